package app.ringside.ui.account

import app.ringside.core.api.AccountService
import app.ringside.core.api.CoreException
import app.ringside.core.api.ProvisioningParser
import app.ringside.core.api.SipAccount
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/** The account form: the *SIP Identifiers* tab's four values, typed or filled from a link or QR. */
data class AccountSetupState(
    val username: String = "",
    val domain: String = "",
    val password: String = "",
    val proxy: String = "",
    val displayName: String = "",
    /** The text of a provisioning link being pasted (the QR scanner fills it too). */
    val link: String = "",
    val linkError: String? = null,
    val error: String? = null,
    val saving: Boolean = false,
    val saved: Boolean = false,
) {
    /** Password may come later (a link without one): the form needs the other three at least. */
    val canSave: Boolean get() = username.isNotBlank() && domain.isNotBlank() && password.isNotBlank() && !saving
}

enum class AccountField { USERNAME, DOMAIN, PASSWORD, PROXY, DISPLAY_NAME, LINK }

class AccountSetupPresenter(
    private val accounts: AccountService,
    private val parser: ProvisioningParser,
    private val scope: CoroutineScope,
    initial: AccountSetupState = AccountSetupState(),
) {
    private val mutable = MutableStateFlow(initial)
    val state: StateFlow<AccountSetupState> = mutable

    fun onEdit(field: AccountField, value: String) = mutable.update {
        when (field) {
            AccountField.USERNAME -> it.copy(username = value.trim(), error = null)
            AccountField.DOMAIN -> it.copy(domain = value.trim(), error = null)
            AccountField.PASSWORD -> it.copy(password = value, error = null)
            AccountField.PROXY -> it.copy(proxy = value.trim(), error = null)
            AccountField.DISPLAY_NAME -> it.copy(displayName = value, error = null)
            AccountField.LINK -> it.copy(link = value, linkError = null)
        }
    }

    /** A pasted link, a scanned QR code or a `ringside:` URI the app was opened with. */
    fun onProvisioning(input: String) {
        val parsed = try {
            parser.parse(input)
        } catch (e: CoreException) {
            mutable.update { it.copy(link = input, linkError = e.message ?: "not a provisioning link") }
            return
        }
        mutable.update {
            it.copy(
                username = parsed.username,
                domain = parsed.domain,
                proxy = parsed.proxy ?: "",
                // A link without a password leaves what the user typed.
                password = parsed.password ?: it.password,
                displayName = parsed.displayName ?: it.displayName,
                link = "",
                linkError = null,
                error = null,
            )
        }
    }

    fun onApplyLink() = onProvisioning(state.value.link)

    /** A fresh form (adding another account after one was saved). */
    fun reset() {
        mutable.value = AccountSetupState()
    }

    fun onSave() {
        val form = state.value
        if (!form.canSave) return
        mutable.update { it.copy(saving = true, error = null) }
        scope.launch {
            try {
                accounts.save(
                    SipAccount(form.username, form.domain, form.proxy.ifBlank { null }, form.displayName.ifBlank { null }),
                    form.password,
                )
                mutable.update { it.copy(saving = false, saved = true) }
            } catch (e: CoreException) {
                mutable.update { it.copy(saving = false, error = e.message) }
            }
        }
    }
}
