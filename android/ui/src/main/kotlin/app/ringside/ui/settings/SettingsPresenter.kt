package app.ringside.ui.settings

import app.ringside.core.api.AccountService
import app.ringside.core.api.AccountStatus
import app.ringside.core.api.AppSettings
import app.ringside.core.api.CallService
import app.ringside.core.api.CallStatus
import app.ringside.core.api.Codec
import app.ringside.core.api.CoreException
import app.ringside.core.api.SecretKind
import app.ringside.core.api.SecretStore
import app.ringside.core.api.SettingsService
import app.ringside.core.api.SettingsStore
import app.ringside.core.api.SrtpMode
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.launchIn
import kotlinx.coroutines.flow.onEach
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

data class SettingsState(
    val saved: AppSettings = AppSettings(),
    /** The form as edited, applied by Save. */
    val draft: AppSettings = AppSettings(),
    val accounts: List<AccountStatus> = emptyList(),
    /** Typed passwords for the directory and the mailbox, written to the secret store on Save. */
    val directoryPassword: String = "",
    val voicemailPassword: String = "",
    val error: String? = null,
    /** Saved during a call: applied as soon as no call is live. */
    val pendingRestart: Boolean = false,
) {
    val dirty: Boolean get() = saved != draft || directoryPassword.isNotEmpty() || voicemailPassword.isNotEmpty()
}

enum class SettingsField {
    DIRECTORY_URL, DIRECTORY_USERNAME, DIRECTORY_PASSWORD, VOICEMAIL_URL, VOICEMAIL_USERNAME, VOICEMAIL_PASSWORD, VOICEMAIL_FOLDER, REGION,
}

/**
 * Media security, codec order, the directory and voicemail servers, and the accounts. Save
 * persists the draft and runs the core on it ([SettingsService]): a change takes effect at
 * once, not at the next app start. During a call the core refuses; the draft stays saved and
 * the screen says it applies after the call.
 */
class SettingsPresenter(
    private val store: SettingsStore,
    private val engine: SettingsService,
    private val accounts: AccountService,
    calls: CallService,
    private val secrets: SecretStore,
    private val scope: CoroutineScope,
) {
    private val mutable = MutableStateFlow(SettingsState(store.settings.value, store.settings.value))
    val state: StateFlow<SettingsState> = mutable

    init {
        store.settings.onEach { s -> mutable.update { it.copy(saved = s, draft = if (it.dirty) it.draft else s) } }.launchIn(scope)
        accounts.accounts.onEach { a -> mutable.update { it.copy(accounts = a) } }.launchIn(scope)
        calls.calls.onEach { list ->
            if (state.value.pendingRestart && list.all { it.status is CallStatus.Ended }) applyToCore(state.value.saved)
        }.launchIn(scope)
    }

    private fun edit(change: (AppSettings) -> AppSettings) = mutable.update { it.copy(draft = change(it.draft)) }

    fun onSrtp(mode: SrtpMode) = edit { it.copy(srtp = mode) }

    fun onBusyWhenInCall(on: Boolean) = edit { it.copy(busyWhenInCall = on) }

    /** Turns a codec on or off; the last one cannot go (a call needs a codec). */
    fun onCodec(codec: Codec, on: Boolean) = edit {
        val codecs = if (on) (it.codecs + codec).distinct() else it.codecs - codec
        if (codecs.isEmpty()) it else it.copy(codecs = codecs)
    }

    /** Moves a codec one place up in the offer. */
    fun onCodecUp(codec: Codec) = edit {
        val i = it.codecs.indexOf(codec)
        if (i <= 0) it else it.copy(codecs = it.codecs.toMutableList().apply { add(i - 1, removeAt(i)) })
    }

    fun onText(field: SettingsField, value: String) {
        when (field) {
            SettingsField.DIRECTORY_PASSWORD -> mutable.update { it.copy(directoryPassword = value) }
            SettingsField.VOICEMAIL_PASSWORD -> mutable.update { it.copy(voicemailPassword = value) }
            else -> editText(field, value)
        }
    }

    private fun editText(field: SettingsField, value: String) = edit {
        when (field) {
            SettingsField.DIRECTORY_URL -> it.copy(directoryUrl = value.trim())
            SettingsField.DIRECTORY_USERNAME -> it.copy(directoryUsername = value.trim())
            SettingsField.VOICEMAIL_URL -> it.copy(voicemailImapUrl = value.trim())
            SettingsField.VOICEMAIL_USERNAME -> it.copy(voicemailUsername = value.trim())
            SettingsField.VOICEMAIL_FOLDER -> it.copy(voicemailFolder = value.trim())
            SettingsField.REGION -> it.copy(defaultRegion = value.trim().uppercase().take(2))
            SettingsField.DIRECTORY_PASSWORD, SettingsField.VOICEMAIL_PASSWORD -> it
        }
    }

    /** The core asks for these by kind and username, as it asks for the SIP password. */
    fun onSave() {
        val s = state.value
        if (s.directoryPassword.isNotEmpty()) secrets.setPassword(SecretKind.DIRECTORY, s.draft.directoryUsername, s.directoryPassword)
        if (s.voicemailPassword.isNotEmpty()) secrets.setPassword(SecretKind.VOICEMAIL, s.draft.voicemailUsername, s.voicemailPassword)
        mutable.update { it.copy(directoryPassword = "", voicemailPassword = "") }
        scope.launch {
            store.update(s.draft)
            applyToCore(s.draft)
        }
    }

    private suspend fun applyToCore(settings: AppSettings) {
        try {
            engine.apply(settings)
            mutable.update { it.copy(error = null, pendingRestart = false) }
        } catch (e: CoreException.Busy) {
            mutable.update { it.copy(error = "Saved: applies when the call ends", pendingRestart = true) }
        } catch (e: CoreException) {
            mutable.update { it.copy(error = e.message ?: "the settings were not applied", pendingRestart = false) }
        }
    }

    fun onRemoveAccount(key: String) {
        scope.launch {
            try {
                accounts.remove(key)
            } catch (e: CoreException) {
                mutable.update { it.copy(error = e.message) }
            }
        }
    }
}
