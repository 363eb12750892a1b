package app.ringside.ui.root

import app.ringside.core.api.AccountService
import app.ringside.core.api.HistoryService
import app.ringside.core.api.VoicemailService
import app.ringside.ui.account.AccountSetupPresenter
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.launchIn
import kotlinx.coroutines.flow.onEach
import kotlinx.coroutines.flow.update

enum class Tab(val label: String) { DIALER("Keypad"), CONTACTS("Contacts"), HISTORY("History"), VOICEMAIL("Voicemail"), SETTINGS("Settings") }

data class RootState(
    val tab: Tab = Tab.DIALER,
    /** False until the core said which accounts exist: avoids flashing the setup form at start. */
    val accountsKnown: Boolean = false,
    val hasAccount: Boolean = false,
    val addingAccount: Boolean = false,
    val showingRegistration: Boolean = false,
    val missedUnseen: Int = 0,
    val newVoicemails: Int = 0,
) {
    val showAccountSetup: Boolean get() = addingAccount || (accountsKnown && !hasAccount)
}

/** Which screen is in front outside calls (calls always take the front: RingsideApp). */
class RootPresenter(
    accounts: AccountService,
    history: HistoryService,
    voicemail: VoicemailService,
    private val accountSetup: AccountSetupPresenter,
    scope: CoroutineScope,
) {
    private val mutable = MutableStateFlow(RootState())
    val state: StateFlow<RootState> = mutable

    init {
        accounts.accounts.onEach { list -> mutable.update { it.copy(accountsKnown = true, hasAccount = list.isNotEmpty()) } }.launchIn(scope)
        history.history.onEach { h -> mutable.update { it.copy(missedUnseen = h.missedUnseen) } }.launchIn(scope)
        voicemail.mwi.onEach { m -> mutable.update { it.copy(newVoicemails = m.newMessages) } }.launchIn(scope)
        accountSetup.state.onEach { form ->
            if (form.saved) {
                mutable.update { it.copy(addingAccount = false, hasAccount = true) }
                accountSetup.reset()
            }
        }.launchIn(scope)
    }

    fun onTab(tab: Tab) = mutable.update { it.copy(tab = tab) }

    fun onAddAccount() {
        accountSetup.reset()
        mutable.update { it.copy(addingAccount = true) }
    }

    fun onCancelAddAccount() = mutable.update { it.copy(addingAccount = false) }

    /** The app was opened with a `ringside:` or https provisioning link (or a QR was scanned). */
    fun onProvisioningLink(link: String) {
        mutable.update { it.copy(addingAccount = true) }
        accountSetup.onProvisioning(link)
    }

    fun onShowRegistration(show: Boolean) = mutable.update { it.copy(showingRegistration = show) }
}
