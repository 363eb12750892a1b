package app.ringside.app

import android.content.ComponentName
import android.content.Intent
import android.util.Log
import androidx.compose.ui.test.hasTestTag
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.junit4.createAndroidComposeRule
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performTextInput
import androidx.test.ext.junit.runners.AndroidJUnit4
import androidx.test.platform.app.InstrumentationRegistry
import androidx.test.uiautomator.By
import androidx.test.uiautomator.UiDevice
import androidx.test.uiautomator.Until
import app.ringside.ui.common.Tags
import org.junit.FixMethodOrder
import org.junit.Rule
import org.junit.Test
import org.junit.runner.RunWith
import org.junit.runners.MethodSorters

/**
 * The QA flows on a device or emulator (docs/qa.md), driven by scripts/qa-android from the host:
 * the PBX and the caller (`ringside call`, a baresip desk phone) run on the host; this test logs
 * `RINGSIDE_QA <step>` lines that the host script waits for before it acts. Arguments
 * (`-e name value`): domain, proxy, username, password.
 */
@RunWith(AndroidJUnit4::class)
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
class CallFlowsTest {
    @get:Rule val compose = createAndroidComposeRule<MainActivity>()

    private val args = InstrumentationRegistry.getArguments()
    private val device = UiDevice.getInstance(InstrumentationRegistry.getInstrumentation())
    private fun arg(name: String, default: String) = args.getString(name) ?: default

    private fun step(name: String) = Log.i("RINGSIDE_QA", name)

    private fun waitTag(tag: String, limitMs: Long = 30_000) =
        compose.waitUntil(limitMs) { compose.onAllNodes(hasTestTag(tag)).fetchSemanticsNodes().isNotEmpty() }

    @Test
    fun a_theFourSipIdentifiersRegister() {
        waitTag(Tags.ACCOUNT_USERNAME)
        compose.onNodeWithTag(Tags.ACCOUNT_USERNAME).performTextInput(arg("username", "1001"))
        compose.onNodeWithTag(Tags.ACCOUNT_DOMAIN).performTextInput(arg("domain", "pbx.test"))
        compose.onNodeWithTag(Tags.ACCOUNT_PASSWORD).performTextInput(arg("password", "pw1001"))
        compose.onNodeWithTag(Tags.ACCOUNT_PROXY).performTextInput(arg("proxy", "sip:10.0.2.2:5060"))
        compose.onNodeWithTag(Tags.ACCOUNT_SAVE).performClick()
        compose.waitUntil(30_000) { compose.onAllNodes(hasTestTag(Tags.REGISTRATION_BANNER) and hasText("Ready", substring = true)).fetchSemanticsNodes().isNotEmpty() }
    }

    @Test
    fun b_aPushWhileAsleepRingsAndTheCallWorks() {
        waitTag(Tags.DIALER_CALL)
        device.sleep()
        // As FCM would deliver it; the host's `ringside call` then sends the INVITE it announces.
        val callId = "qa-${System.currentTimeMillis()}@host"
        val payload = """{"type":"call","call-id":"$callId","from-uri":"sip:1002@${arg("domain", "pbx.test")}","display-name":"QA caller","send-time":"${System.currentTimeMillis()}"}"""
        val context = InstrumentationRegistry.getInstrumentation().targetContext
        context.sendBroadcast(Intent("app.ringside.debug.PUSH").setComponent(ComponentName(context, "app.ringside.app.debug.DebugPushReceiver")).putExtra("payload", payload))
        step("CALL_ME $callId")
        // The full-screen intent lights the screen over the lock screen.
        check(device.wait(Until.hasObject(By.text("Answer")), 30_000)) { "the call did not ring over the lock screen" }
        device.wakeUp()
        compose.onNodeWithTag(Tags.INCOMING_ANSWER).performClick()
        compose.waitUntil(15_000) { compose.onAllNodes(hasTestTag(Tags.IN_CALL_STATUS) and hasText("Connected")).fetchSemanticsNodes().isNotEmpty() }
        compose.onNodeWithTag(Tags.IN_CALL_HOLD).performClick()
        compose.waitUntil(15_000) { compose.onAllNodes(hasText("On hold")).fetchSemanticsNodes().isNotEmpty() }
        compose.onNodeWithTag(Tags.IN_CALL_HOLD).performClick()
        compose.waitUntil(15_000) { compose.onAllNodes(hasTestTag(Tags.IN_CALL_STATUS) and hasText("Connected")).fetchSemanticsNodes().isNotEmpty() }
        compose.onNodeWithTag(Tags.IN_CALL_HANGUP).performClick()
        waitTag(Tags.DIALER_CALL, 15_000)
    }

    @Test
    fun c_aCallAnsweredOnTheDeskIsNotMissed() {
        waitTag(Tags.DIALER_CALL)
        step("CALL_AND_DESK_ANSWERS")
        waitTag(Tags.INCOMING_SCREEN, 60_000)
        // The host's desk phone answers: this phone stops ringing.
        waitTag(Tags.DIALER_CALL, 30_000)
        compose.onNodeWithTag(Tags.tab("HISTORY")).performClick()
        compose.waitUntil(15_000) { compose.onAllNodes(hasText("Answered elsewhere", substring = true)).fetchSemanticsNodes().isNotEmpty() }
        check(compose.onAllNodes(hasTestTag(Tags.HISTORY_MISSED)).fetchSemanticsNodes().isEmpty()) { "listed as missed" }
    }

    @Test
    fun d_aProvisioningLinkFillsTheForm() {
        val context = InstrumentationRegistry.getInstrumentation().targetContext
        val link = "ringside:account?username=1005&domain=pbx.example.com&proxy=pabx.axivox.com"
        context.startActivity(Intent(Intent.ACTION_VIEW, android.net.Uri.parse(link)).setPackage(context.packageName).addFlags(Intent.FLAG_ACTIVITY_NEW_TASK))
        waitTag(Tags.ACCOUNT_USERNAME)
        compose.waitUntil(10_000) { compose.onAllNodes(hasTestTag(Tags.ACCOUNT_USERNAME) and hasText("1005")).fetchSemanticsNodes().isNotEmpty() }
    }
}
