package app.ringside.ui.root

import app.ringside.core.api.AudioRouter
import app.ringside.core.api.RingsideCore
import app.ringside.core.api.SecretStore
import app.ringside.core.api.SettingsStore
import app.ringside.core.api.VoicemailPlayer
import app.ringside.ui.account.AccountSetupPresenter
import app.ringside.ui.call.CallPresenter
import app.ringside.ui.contacts.ContactsPresenter
import app.ringside.ui.dialer.DialerPresenter
import app.ringside.ui.history.HistoryPresenter
import app.ringside.ui.registration.RegistrationPresenter
import app.ringside.ui.settings.SettingsPresenter
import app.ringside.ui.voicemail.VoicemailPresenter
import kotlinx.coroutines.CoroutineScope

/** Every presenter of the app over one core, in one scope (the Activity's on Android). */
class AppPresenters(
    core: RingsideCore,
    router: AudioRouter,
    player: VoicemailPlayer,
    settings: SettingsStore,
    secrets: SecretStore,
    scope: CoroutineScope,
) {
    val accountSetup = AccountSetupPresenter(core.accounts, core.provisioning, scope)
    val root = RootPresenter(core.accounts, core.history, core.voicemail, accountSetup, scope)
    val registration = RegistrationPresenter(core.accounts, scope)
    val calls = CallPresenter(core.calls, router, scope)
    val dialer = DialerPresenter(core.calls, core.contacts, scope)
    val contacts = ContactsPresenter(core.contacts, core.calls, scope)
    val history = HistoryPresenter(core.history, core.calls, scope)
    val voicemail = VoicemailPresenter(core.voicemail, player, core.calls, scope)
    val settings = SettingsPresenter(settings, core.settings, core.accounts, core.calls, secrets, scope)
}
