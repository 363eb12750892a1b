package app.ringside.ui

import androidx.compose.runtime.Composable
import androidx.compose.ui.ImageComposeScene
import androidx.compose.ui.unit.Density
import app.ringside.core.api.AccountStatus
import app.ringside.core.api.AudioRoute
import app.ringside.core.api.AudioRoutes
import app.ringside.core.api.CallDirection
import app.ringside.core.api.CallHistory
import app.ringside.core.api.CallStatus
import app.ringside.core.api.EndReason
import app.ringside.core.api.RegistrationStatus
import app.ringside.core.api.SipAccount
import app.ringside.core.api.Voicemail
import app.ringside.core.test.FakeAudioRouter
import app.ringside.core.test.FakeHistoryService
import app.ringside.core.test.FakeRingsideCore
import app.ringside.core.test.FakeSettingsStore
import app.ringside.core.test.FakeVoicemailPlayer
import app.ringside.core.test.FakeVoicemailService
import app.ringside.ui.root.AppPresenters
import app.ringside.ui.root.RingsideApp
import kotlinx.coroutines.runBlocking
import app.ringside.ui.account.AccountSetupScreen
import app.ringside.ui.account.AccountSetupState
import app.ringside.ui.call.CallScreenState
import app.ringside.ui.call.CallUi
import app.ringside.ui.call.InCallActions
import app.ringside.ui.call.InCallScreen
import app.ringside.ui.call.IncomingCallScreen
import app.ringside.ui.call.TargetMode
import app.ringside.ui.common.RingsideTheme
import app.ringside.ui.contacts.ContactsScreen
import app.ringside.ui.contacts.ContactsState
import app.ringside.ui.dialer.DialerScreen
import app.ringside.ui.dialer.DialerState
import app.ringside.ui.dialer.Suggestion
import app.ringside.ui.history.HistoryPresenter
import app.ringside.ui.history.HistoryScreen
import app.ringside.ui.registration.AccountLine
import app.ringside.ui.registration.Health
import app.ringside.ui.registration.RegistrationBanner
import app.ringside.ui.registration.RegistrationScreen
import app.ringside.ui.registration.RegistrationState
import app.ringside.ui.settings.SettingsActions
import app.ringside.ui.settings.SettingsScreen
import app.ringside.ui.settings.SettingsState
import app.ringside.ui.voicemail.VoicemailScreen
import app.ringside.ui.voicemail.VoicemailState
import java.io.ByteArrayInputStream
import java.io.File
import java.time.ZoneOffset
import javax.imageio.ImageIO
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.cancel
import org.jetbrains.skia.EncodedImageFormat
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * Every screen rendered headless (skiko's software renderer) to a PNG in
 * target/android-screenshots, from fixed states, and checked to be more than a blank page.
 * A phone-sized window: 411×891 dp at density 2.
 */
class ScreenshotTest {
    private val dir = File(System.getProperty("ringside.screenshots") ?: "target/android-screenshots").apply { mkdirs() }
    private val utc = ZoneOffset.UTC

    private fun shot(name: String, content: @Composable () -> Unit) {
        val scene = ImageComposeScene(822, 1782, Density(2f)) { RingsideTheme(content) }
        val png = try {
            scene.render(0)
            scene.render(500_000_000).encodeToData(EncodedImageFormat.PNG)!!.bytes
        } finally {
            scene.close()
        }
        File(dir, "$name.png").writeBytes(png)
        val image = ImageIO.read(ByteArrayInputStream(png))
        val colours = HashSet<Int>()
        for (y in 0 until image.height step 7) for (x in 0 until image.width step 7) colours += image.getRGB(x, y)
        assertTrue("$name.png looks blank (${colours.size} colours)", colours.size > 8)
    }

    private val noCall = InCallActions({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})
    private val alice = CallUi("c1", "Alice Martin", "1002", CallStatus.Active, CallDirection.INCOMING, muted = false)
    private val routes = AudioRoutes(AudioRoute.EARPIECE, listOf(AudioRoute.EARPIECE, AudioRoute.SPEAKER, AudioRoute.BLUETOOTH))

    /** The app as it opens: registration banner, the dialer tab, the tab bar with its badges. */
    @Test
    fun home() {
        val scope = CoroutineScope(Dispatchers.Unconfined)
        val history = FakeHistoryService(CallHistory(listOf(entry("a", EndReason.CANCELLED, missed = true)), missedUnseen = 1))
        val voicemail = FakeVoicemailService(listOf(Voicemail("v1", "sip:1002@pbx.test", "Alice Martin", 1_700_000_600_000, 31_000, heard = false)))
        val core = FakeRingsideCore(history = history, voicemail = voicemail)
        runBlocking { core.accounts.save(SipAccount("1001", "pbx.example.com", "pabx.axivox.com"), "secret") }
        val presenters = AppPresenters(core, FakeAudioRouter(), FakeVoicemailPlayer(), FakeSettingsStore(), core.accounts.secrets, scope)
        try {
            shot("home") { RingsideApp(presenters) }
        } finally {
            scope.cancel()
        }
    }

    @Test
    fun accountSetup() = shot("account-setup") {
        AccountSetupScreen(
            AccountSetupState(username = "1001", domain = "pbx.example.com", password = "secret", proxy = "pabx.axivox.com", link = "ringside:acc", linkError = "missing domain"),
            { _, _ -> }, {}, {}, onScanQr = {},
        )
    }

    @Test
    fun dialer() = shot("dialer") {
        DialerScreen(
            DialerState("100", listOf(Suggestion("c1", "Alice Martin", "1002", "desk"), Suggestion("c2", "Bob Durand", "1003", "desk"))),
            {}, {}, {}, {}, {},
        )
    }

    @Test
    fun incomingCall() = shot("incoming-call") {
        IncomingCallScreen(alice.copy(status = CallStatus.Incoming), inCallWith = null, {}, {}, {})
    }

    @Test
    fun inCall() = shot("in-call") { InCallScreen(CallScreenState(current = alice, routes = routes), noCall) }

    @Test
    fun inCallOnHoldWithASecondCall() = shot("in-call-second-call") {
        InCallScreen(
            CallScreenState(
                current = CallUi("c2", "Bob Durand", "1003", CallStatus.Active, CallDirection.OUTGOING, muted = true),
                others = listOf(alice.copy(status = CallStatus.Held(false))),
                routes = routes.copy(current = AudioRoute.BLUETOOTH),
            ),
            noCall,
        )
    }

    @Test
    fun inCallKeypad() = shot("in-call-keypad") { InCallScreen(CallScreenState(current = alice, routes = routes, keypadOpen = true, dtmfSent = "12#"), noCall) }

    @Test
    fun inCallTransfer() = shot("in-call-transfer") {
        InCallScreen(CallScreenState(current = alice, routes = routes, targetMode = TargetMode.BLIND_TRANSFER, target = "1003"), noCall)
    }

    @Test
    fun contacts() = shot("contacts") { ContactsScreen(ContactsState(contacts = PEOPLE), {}, {}, {}) }

    @Test
    fun history() {
        val scope = CoroutineScope(Dispatchers.Unconfined)
        val presenter = HistoryPresenter(
            FakeHistoryService(
                CallHistory(
                    listOf(
                        entry("a", EndReason.CANCELLED, missed = true, at = 1_700_000_600_000),
                        entry("b", EndReason.ANSWERED_ELSEWHERE, missed = false, at = 1_700_000_500_000),
                        entry("c", EndReason.REMOTE_HANGUP, missed = false, at = 1_700_000_400_000, talkMs = 185_000),
                        entry("d", EndReason.LOCAL_HANGUP, missed = false, at = 1_700_000_300_000, talkMs = 42_000, dir = CallDirection.OUTGOING),
                        entry("e", EndReason.CANCELLED, missed = true, seen = true, at = 1_700_000_200_000),
                    ),
                    missedUnseen = 1,
                ),
            ),
            app.ringside.core.test.FakeCallService(),
            scope,
        )
        shot("history") { HistoryScreen(presenter.state.value, {}, {}, zone = utc) }
        scope.cancel()
    }

    @Test
    fun voicemail() = shot("voicemail") {
        VoicemailScreen(
            VoicemailState(
                messages = listOf(
                    Voicemail("v1", "sip:1002@pbx.test", "Alice Martin", 1_700_000_600_000, 31_000, heard = false),
                    Voicemail("v2", "sip:+33612345678@pbx.test", null, 1_700_000_000_000, 12_000, heard = true),
                ),
                playing = "v1",
                newMessages = 1,
            ),
            {}, {}, {}, {}, {}, zone = utc,
        )
    }

    @Test
    fun settings() = shot("settings") {
        val account = SipAccount("1001", "pbx.example.com", "pabx.axivox.com")
        SettingsScreen(
            SettingsState(accounts = listOf(AccountStatus(account.key, account, RegistrationStatus.Registered(600, false)))),
            SettingsActions({}, { _, _ -> }, {}, {}, { _, _ -> }, {}, {}, {}),
        )
    }

    @Test
    fun registrationStatus() = shot("registration-status") {
        val state = RegistrationState(
            listOf(
                AccountLine("1001@pbx.example.com", "Alice", "Registered · renews in 10 min", Health.OK),
                AccountLine("2001@other.example.com", "2001@other.example.com", "Wrong username or password · retrying in 30 s", Health.PROBLEM),
            ),
        )
        androidx.compose.foundation.layout.Column {
            RegistrationBanner(state, {})
            RegistrationScreen(state, {})
        }
    }
}
