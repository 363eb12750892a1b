package app.ringside.core.impl

import androidx.compose.ui.test.ComposeUiTest
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.assertTextContains
import androidx.compose.ui.test.hasTestTag
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.test.runComposeUiTest
import app.ringside.core.api.AppSettings
import app.ringside.core.api.SipAccount
import app.ringside.core.test.FakeAudioRouter
import app.ringside.core.test.FakeSettingsStore
import app.ringside.core.test.FakeVoicemailPlayer
import app.ringside.core.test.InMemorySecretStore
import app.ringside.ui.common.Tags
import app.ringside.ui.root.AppPresenters
import app.ringside.ui.root.RingsideApp
import java.nio.file.Files
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull
import org.junit.After
import org.junit.Before
import org.junit.Test
import uniffi.ringside_ffi.AudioBridge

/**
 * The real screens over the real core (core-impl, the uniffi bindings, the host library through
 * JNA) against Kamailio and baresip on loopback: what a user does on the phone, end to end.
 * 1001 is this app (and, in one test, also the desk phone), 1002 calls.
 */
@OptIn(ExperimentalTestApi::class)
class RealCoreUiTest {
    private val users = mapOf("1001" to "pw1001", "1002" to "pw1002")
    private lateinit var pbx: Kamailio
    private val peers = mutableListOf<AutoCloseable>()
    private val secrets = InMemorySecretStore()
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Unconfined)
    private lateinit var core: UniffiRingsideCore
    private val bridge = AudioBridge()
    private lateinit var pump: AudioPump

    @Before
    fun start() {
        coreLog.clear()
        pbx = Kamailio.start(users)
        val dataDir = Files.createTempDirectory("ringside-real").toString()
        core = runBlocking {
            UniffiRingsideCore.start(CoreConfig(dataDir, emptyList(), AppSettings(), userAgent = "Ringside-JVM-test"), secrets, log = { level, target, message ->
                coreLog.add("${System.currentTimeMillis() % 100_000} $level $target: $message")
                while (coreLog.size > 400) coreLog.poll()
            }, audio = bridge)
        }
        pump = AudioPump(bridge)
    }

    @After
    fun stop() {
        scope.cancel()
        pump.close()
        runCatching { runBlocking { withTimeoutOrNull(10_000) { core.shutdown() } } }
        bridge.close()
        peers.reversed().forEach { runCatching { it.close() } }
        pbx.close()
    }

    private fun presenters() = AppPresenters(core, FakeAudioRouter(), FakeVoicemailPlayer(), FakeSettingsStore(), secrets, scope)

    private fun signIn() = runBlocking { core.accounts.save(SipAccount("1001", pbx.domain, pbx.proxy), "pw1001") }

    private fun ComposeUiTest.waitTag(tag: String, limitMs: Long = 10_000) =
        waitWithLogs(tag, limitMs) { onAllNodes(hasTestTag(tag)).fetchSemanticsNodes().isNotEmpty() }

    private fun ComposeUiTest.waitText(tag: String, text: String, limitMs: Long = 10_000) =
        waitWithLogs("$tag to say $text", limitMs) { onAllNodes(hasTestTag(tag) and hasText(text, substring = true)).fetchSemanticsNodes().isNotEmpty() }

    // Not named waitUntil: ComposeUiTest's own waitUntil(description, timeout, condition) is a
    // member and would win, dropping the logs below from the failure.
    private fun ComposeUiTest.waitWithLogs(what: String, limitMs: Long, check: () -> Boolean) {
        try {
            waitUntil(timeoutMillis = limitMs, condition = check)
        } catch (e: Throwable) {
            throw AssertionError("waiting for $what: ${e.message}\ncore:\n${coreLog.joinToString("\n").takeLast(6000)}\nkamailio:\n${pbx.log().takeLast(3000)}", e)
        }
    }

    private fun caller(): Baresip = Baresip.start("1002", "pw1002", pbx.domain, pbx.port).also { peers += it }

    @Test
    fun theFourSipIdentifiersRegister() = runComposeUiTest {
        setContent { RingsideApp(presenters()) }
        waitTag(Tags.ACCOUNT_USERNAME)
        onNodeWithTag(Tags.ACCOUNT_USERNAME).performTextInput("1001")
        onNodeWithTag(Tags.ACCOUNT_DOMAIN).performTextInput(pbx.domain)
        onNodeWithTag(Tags.ACCOUNT_PASSWORD).performTextInput("pw1001")
        onNodeWithTag(Tags.ACCOUNT_PROXY).performTextInput(pbx.proxy)
        onNodeWithTag(Tags.ACCOUNT_SAVE).performClick()
        waitText(Tags.REGISTRATION_BANNER, "Ready")
    }

    @Test
    fun aProvisioningLinkFillsTheFormThroughTheCoresParser() = runComposeUiTest {
        setContent { RingsideApp(presenters()) }
        waitTag(Tags.ACCOUNT_LINK)
        onNodeWithTag(Tags.ACCOUNT_LINK).performTextInput("ringside:account?username=1001&domain=${pbx.domain}&proxy=pabx.axivox.com&password=pw1001")
        onNodeWithTag(Tags.ACCOUNT_APPLY_LINK).performClick()
        onNodeWithTag(Tags.ACCOUNT_USERNAME).assertTextContains("1001")
        onNodeWithTag(Tags.ACCOUNT_DOMAIN).assertTextContains(pbx.domain)
        onNodeWithTag(Tags.ACCOUNT_PROXY).assertTextContains("pabx.axivox.com")
    }

    @Test
    fun anIncomingCallRingsAnswersHoldsResumesAndHangsUp() = runComposeUiTest {
        signIn()
        setContent { RingsideApp(presenters()) }
        waitText(Tags.REGISTRATION_BANNER, "Ready")
        val alice = caller()
        alice.command("dial sip:1001@${pbx.domain}")
        waitTag(Tags.INCOMING_ANSWER)
        onNodeWithTag(Tags.INCOMING_CALLER).assertTextContains("1002", substring = true)
        onNodeWithTag(Tags.INCOMING_ANSWER).performClick()
        waitText(Tags.IN_CALL_STATUS, "Connected")
        waitFor("the caller to see the call established", 10_000, alice::log) { alice.log().contains("Call established") }
        audioFlowsBothWays(alice)
        onNodeWithTag(Tags.IN_CALL_HOLD).performClick()
        waitText(Tags.IN_CALL_STATUS, "On hold")
        onNodeWithTag(Tags.IN_CALL_HOLD).performClick()
        waitText(Tags.IN_CALL_STATUS, "Connected")
        // Audio comes back both ways: the hold re-offer keeps the agreed codec first, so
        // baresip does not switch codec mid-call (its 1.0 release then sent nothing).
        audioFlowsBothWays(alice)
        onNodeWithTag(Tags.IN_CALL_HANGUP).performClick()
        waitTag(Tags.DIALER_CALL)
        waitFor("the caller to see the hang-up", 10_000, alice::log) { alice.log().contains("terminated") || alice.log().contains("closed") }
    }

    /**
     * baresip's 440 Hz sine reaches this phone's speaker (decoded frames out of the bridge), and
     * the pump's 1 kHz tone reaches baresip's player: RTP both ways, not just a 200 OK.
     */
    private fun ComposeUiTest.audioFlowsBothWays(caller: Baresip) {
        pump.takePeak()
        waitWithLogs("the caller's tone on this phone's speaker", 10_000) { pump.takePeak() > AUDIBLE }
        waitFor("this phone's microphone tone at the caller", 10_000, { "peak ${caller.heardPeak()}\n" + caller.log() }) { caller.heardPeak() > AUDIBLE }
    }

    @Test
    fun aCallAnsweredOnTheDeskPhoneIsAnsweredElsewhereNotMissed() = runComposeUiTest {
        signIn()
        setContent { RingsideApp(presenters()) }
        waitText(Tags.REGISTRATION_BANNER, "Ready")
        val desk = Baresip.start("1001", "pw1001", pbx.domain, pbx.port).also { peers += it }
        val alice = caller()
        alice.command("dial sip:1001@${pbx.domain}")
        waitTag(Tags.INCOMING_SCREEN)
        waitFor("the desk phone to ring", 10_000, desk::log) { desk.log().contains("Incoming call") || desk.log().contains("ringing") }
        desk.command("accept")
        waitTag(Tags.DIALER_CALL)
        onNodeWithTag(Tags.tab("HISTORY")).performClick()
        waitText(Tags.HISTORY_RECENT, "Recent")
        waitWithLogs("an answered-elsewhere row", 10_000) { onAllNodes(hasText("Answered elsewhere", substring = true)).fetchSemanticsNodes().isNotEmpty() }
        check(onAllNodes(hasTestTag(Tags.HISTORY_MISSED)).fetchSemanticsNodes().isEmpty()) { "a desk-answered call is listed as missed" }
    }

    private companion object {
        /** Well above silence and comfort noise, well below either tone's peak. */
        const val AUDIBLE = 1000

        /**
         * The core's latest log lines, shown when a wait fails. One queue for the whole class:
         * the core installs the first log sink it is given for the life of the process, so
         * every later test's core logs through the first test's sink.
         */
        val coreLog = java.util.concurrent.ConcurrentLinkedQueue<String>()
    }
}
