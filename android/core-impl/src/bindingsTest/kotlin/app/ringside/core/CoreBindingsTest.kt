package app.ringside.core

import java.net.DatagramSocket
import java.nio.file.Files
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test

/**
 * The generated uniffi bindings over the real core, loaded through JNA from the host build
 * (scripts/test-kotlin): what the Android shell calls, without a device. The account points at
 * a UDP port nobody answers on, so nothing here needs a SIP server.
 */
class CoreBindingsTest {
    private val events = LinkedBlockingQueue<Event>()
    private val listener = object : EventListener {
        override fun onEvent(event: Event) {
            events.add(event)
        }
    }
    private val keychain = object : SecretStore {
        override fun password(account: String): String? = if (account == "1001@pbx.test") "pw1001" else null
    }
    private var phone: Phone? = null

    /** A local UDP port with nothing behind it (bound, then closed). */
    private fun deadPort(): Int = DatagramSocket(0).use { it.localPort }

    private fun settings(username: String = "1001", srtp: String = "optional") = PhoneSettings(
        dataDir = Files.createTempDirectory("ringside-kt").toString(),
        accounts = listOf(Account(username = username, domain = "pbx.test", proxy = "sip:127.0.0.1:${deadPort()};transport=udp")),
        srtp = srtp,
    )

    private fun callPush(callId: String): ByteArray =
        ("""{"type":"call","call-id":"$callId","from-uri":"sip:0612345678@pbx.test","display-name":"Carol",""" +
            """"to-uri":"sip:1001@pbx.test","send-time":${System.currentTimeMillis()}}""").toByteArray()

    @After
    fun stop() {
        phone?.shutdown(500uL)
        phone?.destroy()
    }

    @Test
    fun aPushIsDecidedAtOnceAndTheCallIsLoggedOnce() {
        val p = Phone.start(settings(), keychain, listener, AudioBridge())
        phone = p
        val hint = p.handlePush(callPush("kt-1@pbx.test"))
        assertEquals(HintAction.Ring, hint.action)
        assertEquals("sip:0612345678@pbx.test", hint.caller)
        // The same push again: the same call, already ringing.
        val again = p.handlePush(callPush("kt-1@pbx.test"))
        assertEquals(hint.call, again.call)
        assertEquals(HintAction.AlreadyRinging, again.action)
        // Declined on the lock screen before its INVITE came: it ends, and the log has it once.
        p.decline(hint.call, false)
        val ended = generateSequence { events.poll(5, TimeUnit.SECONDS) }.first { it is Event.CallEnded && it.call == hint.call }
        assertTrue(ended.toString(), ended is Event.CallEnded)
        val log = p.callLog(10u)
        assertEquals(log.toString(), 1, log.size)
        assertEquals(hint.call, log[0].call)
        assertTrue(log[0].pushWoken)
        assertEquals("in", log[0].direction)
    }

    @Test
    fun aGarbledPushStillGivesAHintToReportAndEnd() {
        val p = Phone.start(settings(), keychain, listener, null)
        phone = p
        val hint = p.handlePush("{not json".toByteArray())
        val action = hint.action
        assertTrue(action.toString(), action is HintAction.End && action.reason == "failed")
    }

    @Test
    fun aMissingPasswordIsAnAuthErrorAndABadSettingIsNamed() {
        try {
            Phone.start(settings(username = "1009"), keychain, listener, null)
            fail("started without a password")
        } catch (e: PhoneException.Auth) {
            assertTrue(e.reason, e.reason.contains("1009@pbx.test"))
        }
        try {
            Phone.start(settings(srtp = "sometimes"), keychain, listener, null)
            fail("started with a bad SRTP policy")
        } catch (e: PhoneException.InvalidInput) {
            assertTrue(e.reason, e.reason.contains("sometimes"))
        }
    }

    @Test
    fun theAudioBridgeWithoutACallTakesNothingAndPlaysSilence() {
        val bridge = AudioBridge()
        assertEquals(48000u, bridge.sampleRate())
        assertEquals(0u, bridge.pushCapture(ShortArray(480) { 100 }.toList()))
        assertEquals(List<Short>(480) { 0 }, bridge.pullPlayback(480u))
        assertEquals(null, bridge.activeCall())
    }

    @Test
    fun afterShutdownCommandsFailAndPushesStillGetAHint() {
        val p = Phone.start(settings(), keychain, listener, null)
        phone = p
        p.shutdown(500uL)
        try {
            p.call("1002")
            fail("called after shutdown")
        } catch (e: PhoneException.Other) {
            assertTrue(e.reason, e.reason.contains("shut down"))
        }
        assertTrue(p.handlePush(callPush("kt-2@pbx.test")).action is HintAction.End)
    }
}
