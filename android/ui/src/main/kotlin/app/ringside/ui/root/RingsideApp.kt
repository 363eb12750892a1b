package app.ringside.ui.root

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.material3.Badge
import androidx.compose.material3.BadgedBox
import androidx.compose.material3.NavigationBar
import androidx.compose.material3.NavigationBarItem
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import app.ringside.ui.account.AccountSetupScreen
import app.ringside.ui.call.InCallActions
import app.ringside.ui.call.InCallScreen
import app.ringside.ui.call.IncomingCallScreen
import app.ringside.ui.common.RingsideTheme
import app.ringside.ui.common.Tags
import app.ringside.ui.contacts.ContactsScreen
import app.ringside.ui.dialer.DialerScreen
import app.ringside.ui.history.HistoryScreen
import app.ringside.ui.registration.RegistrationBanner
import app.ringside.ui.registration.RegistrationScreen
import app.ringside.ui.settings.SettingsActions
import app.ringside.ui.settings.SettingsScreen
import app.ringside.ui.voicemail.VoicemailScreen

// Glyphs every phone and desktop font set has: U+2317 (⌗) rendered as a missing-glyph box.
private val TAB_GLYPHS = mapOf(Tab.DIALER to "☎", Tab.CONTACTS to "☺", Tab.HISTORY to "↺", Tab.VOICEMAIL to "✉", Tab.SETTINGS to "⚙")

/**
 * The whole app: a ringing or live call takes the front, then account setup when there is no
 * account, else the tabs under the registration banner. Renders the presenters' state only.
 * [onScanQr] is null where there is no camera.
 */
@Composable
fun RingsideApp(p: AppPresenters, onScanQr: (() -> Unit)? = null, modifier: Modifier = Modifier) {
    val root by p.root.state.collectAsState()
    val calls by p.calls.state.collectAsState()
    RingsideTheme {
        val incoming = calls.incoming
        when {
            incoming != null -> IncomingCallScreen(incoming, calls.current?.title, p.calls::onAnswer, p.calls::onDecline, p.calls::onDeclineEverywhere, modifier)
            calls.current != null -> InCallScreen(calls, callActions(p), modifier)
            root.showAccountSetup -> {
                val form by p.accountSetup.state.collectAsState()
                AccountSetupScreen(
                    form, p.accountSetup::onEdit, p.accountSetup::onApplyLink, p.accountSetup::onSave, onScanQr, modifier,
                    onCancel = if (root.hasAccount) p.root::onCancelAddAccount else null,
                )
            }
            root.showingRegistration -> {
                val reg by p.registration.state.collectAsState()
                RegistrationScreen(reg, { p.root.onShowRegistration(false) }, modifier)
            }
            else -> Home(p, root, modifier)
        }
    }
}

fun callActions(p: AppPresenters) = InCallActions(
    onHangup = p.calls::onHangup,
    onToggleHold = p.calls::onToggleHold,
    onToggleMute = p.calls::onToggleMute,
    onRoute = p.calls::onRoute,
    onToggleKeypad = p.calls::onToggleKeypad,
    onDtmf = p.calls::onDtmf,
    onStartTarget = p.calls::onStartTarget,
    onTargetChanged = p.calls::onTargetChanged,
    onConfirmTarget = p.calls::onConfirmTarget,
    onCancelTarget = p.calls::onCancelTarget,
    onSwap = p.calls::onSwap,
    onCompleteAttendedTransfer = p.calls::onCompleteAttendedTransfer,
)

@Composable
private fun Home(p: AppPresenters, root: RootState, modifier: Modifier) {
    val reg by p.registration.state.collectAsState()
    Column(modifier.fillMaxSize()) {
        RegistrationBanner(reg, { p.root.onShowRegistration(true) })
        Column(Modifier.weight(1f)) {
            when (root.tab) {
                Tab.DIALER -> {
                    val s by p.dialer.state.collectAsState()
                    DialerScreen(s, p.dialer::onKey, p.dialer::onBackspace, p.dialer::onNumberChanged, p.dialer::onSuggestion, p.dialer::onCall)
                }
                Tab.CONTACTS -> {
                    val s by p.contacts.state.collectAsState()
                    ContactsScreen(s, p.contacts::onQuery, p.contacts::onCall, p.contacts::onSyncDirectory)
                }
                Tab.HISTORY -> {
                    val s by p.history.state.collectAsState()
                    HistoryScreen(s, p.history::onMarkSeen, p.history::onCallBack)
                }
                Tab.VOICEMAIL -> {
                    val s by p.voicemail.state.collectAsState()
                    VoicemailScreen(s, p.voicemail::onPlay, p.voicemail::onToggleHeard, p.voicemail::onDelete, p.voicemail::onCallBack, p.voicemail::onSync)
                }
                Tab.SETTINGS -> {
                    val s by p.settings.state.collectAsState()
                    SettingsScreen(
                        s,
                        SettingsActions(
                            p.settings::onSrtp, p.settings::onCodec, p.settings::onCodecUp, p.settings::onBusyWhenInCall,
                            p.settings::onText, p.settings::onSave, p.settings::onRemoveAccount, p.root::onAddAccount,
                        ),
                    )
                }
            }
        }
        NavigationBar {
            for (tab in Tab.entries) {
                val badge = when (tab) {
                    Tab.HISTORY -> root.missedUnseen
                    Tab.VOICEMAIL -> root.newVoicemails
                    else -> 0
                }
                NavigationBarItem(
                    selected = root.tab == tab,
                    onClick = { p.root.onTab(tab) },
                    icon = {
                        if (badge > 0) BadgedBox(badge = { Badge { Text("$badge") } }) { Text(TAB_GLYPHS.getValue(tab)) } else Text(TAB_GLYPHS.getValue(tab))
                    },
                    label = { Text(tab.label) },
                    modifier = Modifier.testTag(Tags.tab(tab.name)),
                )
            }
        }
    }
}
