package app.ringside.ui

import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.assertIsDisplayed
import androidx.compose.ui.test.assertTextContains
import androidx.compose.ui.test.hasTestTag
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.test.runComposeUiTest
import app.ringside.core.api.CallHistory
import app.ringside.core.api.EndReason
import app.ringside.core.api.SecretKind
import app.ringside.core.api.SipAccount
import app.ringside.core.api.Voicemail
import app.ringside.core.test.FakeAudioRouter
import app.ringside.core.test.FakeContactsService
import app.ringside.core.test.FakeHistoryService
import app.ringside.core.test.FakeRingsideCore
import app.ringside.core.test.FakeSettingsStore
import app.ringside.core.test.FakeVoicemailPlayer
import app.ringside.core.test.FakeVoicemailService
import app.ringside.ui.common.Tags
import app.ringside.ui.root.AppPresenters
import app.ringside.ui.root.RingsideApp
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Test

/**
 * The real screens, wired to their presenters over the fake core, driven through Compose's
 * desktop test API exactly as the on-device tests drive them (the same tags).
 */
@OptIn(ExperimentalTestApi::class)
class AppUiTest {
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Unconfined)
    private val player = FakeVoicemailPlayer()

    @After
    fun stop() = scope.cancel()

    private fun core(signedIn: Boolean = true, history: FakeHistoryService = FakeHistoryService(), voicemail: FakeVoicemailService = FakeVoicemailService()) =
        FakeRingsideCore(contacts = FakeContactsService(PEOPLE), history = history, voicemail = voicemail).also {
            if (signedIn) runBlocking { it.accounts.save(SipAccount("1001", "pbx.test", "sip:127.0.0.1:5060"), "pw1001") }
        }

    private fun presenters(core: FakeRingsideCore) = AppPresenters(core, FakeAudioRouter(), player, FakeSettingsStore(), core.accounts.secrets, scope)

    @Test
    fun setupWithTheFourValuesRegistersAndShowsTheDialer() = runComposeUiTest {
        val core = core(signedIn = false)
        setContent { RingsideApp(presenters(core)) }
        // The first account: nothing to go back to, so no Cancel.
        assertEquals(0, onAllNodes(hasTestTag(Tags.ACCOUNT_CANCEL)).fetchSemanticsNodes().size)
        onNodeWithTag(Tags.ACCOUNT_USERNAME).performTextInput("1001")
        onNodeWithTag(Tags.ACCOUNT_DOMAIN).performTextInput("pbx.test")
        onNodeWithTag(Tags.ACCOUNT_PASSWORD).performTextInput("pw1001")
        onNodeWithTag(Tags.ACCOUNT_PROXY).performTextInput("pabx.axivox.com")
        onNodeWithTag(Tags.ACCOUNT_SAVE).performClick()
        waitUntil(timeoutMillis = 3_000) { onAllNodes(hasTestTag(Tags.DIALER_CALL)).fetchSemanticsNodes().isNotEmpty() }
        onNodeWithTag(Tags.REGISTRATION_BANNER).assertTextContains("Ready", substring = true)
        assertEquals("pw1001", core.accounts.secrets.password(SecretKind.SIP, "1001@pbx.test"))
    }

    @Test
    fun addingAnotherAccountFromSettingsCanBeCancelled() = runComposeUiTest {
        setContent { RingsideApp(presenters(core())) }
        onNodeWithTag(Tags.tab("SETTINGS")).performClick()
        onNodeWithTag(Tags.SETTINGS_ADD_ACCOUNT).performClick()
        onNodeWithTag(Tags.ACCOUNT_USERNAME).assertIsDisplayed()
        onNodeWithTag(Tags.ACCOUNT_CANCEL).performClick()
        waitUntil(timeoutMillis = 3_000) { onAllNodes(hasTestTag(Tags.SETTINGS_SAVE)).fetchSemanticsNodes().isNotEmpty() }
        assertEquals(0, onAllNodes(hasTestTag(Tags.ACCOUNT_USERNAME)).fetchSemanticsNodes().size)
    }

    @Test
    fun aProvisioningLinkFillsTheAccountForm() = runComposeUiTest {
        val core = core(signedIn = false)
        setContent { RingsideApp(presenters(core)) }
        onNodeWithTag(Tags.ACCOUNT_LINK).performTextInput("ringside:account?username=1005&domain=pbx.example.com&proxy=pabx.axivox.com&password=pw5")
        onNodeWithTag(Tags.ACCOUNT_APPLY_LINK).performClick()
        onNodeWithTag(Tags.ACCOUNT_USERNAME).assertTextContains("1005")
        onNodeWithTag(Tags.ACCOUNT_DOMAIN).assertTextContains("pbx.example.com")
        onNodeWithTag(Tags.ACCOUNT_PROXY).assertTextContains("pabx.axivox.com")
    }

    @Test
    fun dialerTypeAheadPicksAContactAndCalls() = runComposeUiTest {
        val core = core()
        setContent { RingsideApp(presenters(core)) }
        for (k in "100") onNodeWithTag(Tags.dialerKey(k)).performClick()
        // The search for "1" may show first (both of Alice's numbers hold a 1): wait for "100"'s.
        waitUntil(timeoutMillis = 3_000) { onAllNodes(hasText("Alice Martin")).fetchSemanticsNodes().size == 1 }
        onNodeWithText("desk · 1002").performClick()
        onNodeWithTag(Tags.DIALER_CALL).performClick()
        waitUntil(timeoutMillis = 3_000) { onAllNodes(hasTestTag(Tags.IN_CALL_SCREEN)).fetchSemanticsNodes().isNotEmpty() }
        onNodeWithTag(Tags.IN_CALL_STATUS).assertTextContains("Calling…")
        assertEquals("dial 1002", core.calls.commands.single())
    }

    @Test
    fun anIncomingCallRingsAnswerConnectsHoldResumeAndHangUp() = runComposeUiTest {
        val core = core()
        setContent { RingsideApp(presenters(core)) }
        val id = core.calls.ring("sip:1002@pbx.test", "Alice Martin")
        waitUntil(timeoutMillis = 3_000) { onAllNodes(hasTestTag(Tags.INCOMING_SCREEN)).fetchSemanticsNodes().isNotEmpty() }
        onNodeWithTag(Tags.INCOMING_CALLER).assertTextContains("Alice Martin")
        onNodeWithTag(Tags.INCOMING_ANSWER).performClick()
        onNodeWithTag(Tags.IN_CALL_STATUS).assertTextContains("Connected")
        onNodeWithTag(Tags.IN_CALL_HOLD).performClick()
        onNodeWithTag(Tags.IN_CALL_STATUS).assertTextContains("On hold")
        onNodeWithTag(Tags.IN_CALL_HOLD).performClick()
        onNodeWithTag(Tags.IN_CALL_STATUS).assertTextContains("Connected")
        onNodeWithTag(Tags.route("SPEAKER")).performClick()
        onNodeWithTag(Tags.IN_CALL_KEYPAD).performClick()
        onNodeWithTag(Tags.dtmfKey('5')).performClick()
        onNodeWithTag(Tags.IN_CALL_DTMF).assertTextContains("5")
        onNodeWithTag(Tags.IN_CALL_KEYPAD).performClick()
        onNodeWithTag(Tags.IN_CALL_HOLD).assertIsDisplayed()
        onNodeWithTag(Tags.IN_CALL_HANGUP).performClick()
        onNodeWithTag(Tags.DIALER_CALL).assertIsDisplayed()
        assertEquals(listOf("answer $id", "hold $id", "resume $id", "dtmf $id 5", "hangup $id"), core.calls.commands)
    }

    @Test
    fun aCallAnsweredOnTheDeskStopsRingingAndIsNotMissed() = runComposeUiTest {
        val history = FakeHistoryService()
        val core = core(history = history)
        val p = presenters(core)
        setContent { RingsideApp(p) }
        val id = core.calls.ring("sip:1002@pbx.test", "Alice Martin")
        waitUntil(timeoutMillis = 3_000) { onAllNodes(hasTestTag(Tags.INCOMING_SCREEN)).fetchSemanticsNodes().isNotEmpty() }
        core.calls.endRemotely(id, EndReason.ANSWERED_ELSEWHERE)
        history.state.value = CallHistory(listOf(entry(id, EndReason.ANSWERED_ELSEWHERE, missed = false)), 0)
        waitUntil(timeoutMillis = 3_000) { onAllNodes(hasTestTag(Tags.DIALER_CALL)).fetchSemanticsNodes().isNotEmpty() }
        onNodeWithTag(Tags.tab("HISTORY")).performClick()
        onNodeWithTag(Tags.historyRow(id)).assertTextContains("Answered elsewhere", substring = true)
        assertEquals(0, onAllNodes(hasTestTag(Tags.HISTORY_MISSED)).fetchSemanticsNodes().size)
    }

    @Test
    fun blindTransferFromTheInCallScreen() = runComposeUiTest {
        val core = core()
        setContent { RingsideApp(presenters(core)) }
        val id = core.calls.ring("sip:1002@pbx.test")
        waitUntil(timeoutMillis = 3_000) { onAllNodes(hasTestTag(Tags.INCOMING_ANSWER)).fetchSemanticsNodes().isNotEmpty() }
        onNodeWithTag(Tags.INCOMING_ANSWER).performClick()
        onNodeWithTag(Tags.IN_CALL_TRANSFER).performClick()
        onNodeWithTag(Tags.IN_CALL_TARGET).performTextInput("1003")
        onNodeWithTag(Tags.IN_CALL_TARGET_GO).performClick()
        waitUntil(timeoutMillis = 3_000) { core.calls.commands.lastOrNull() == "transferBlind $id 1003" }
    }

    @Test
    fun historyMarksSeenAndVoicemailPlaysAndIsHeard() = runComposeUiTest {
        val history = FakeHistoryService(CallHistory(listOf(entry("m1", EndReason.CANCELLED, missed = true)), 1))
        val voicemail = FakeVoicemailService(listOf(Voicemail("v1", "sip:1002@pbx.test", "Alice Martin", 1_700_000_000_000, 31_000, heard = false)))
        val core = core(history = history, voicemail = voicemail)
        setContent { RingsideApp(presenters(core)) }
        onNodeWithTag(Tags.tab("HISTORY")).performClick()
        onNodeWithTag(Tags.HISTORY_MISSED).assertIsDisplayed()
        onNodeWithTag(Tags.HISTORY_MARK_SEEN).performClick()
        onNodeWithTag(Tags.HISTORY_MARK_SEEN).assertTextContains("All seen")
        onNodeWithTag(Tags.tab("VOICEMAIL")).performClick()
        onNodeWithTag(Tags.voicemailPlay("v1")).performClick()
        onNodeWithTag(Tags.voicemailPlay("v1")).assertTextContains("Stop")
        onNodeWithTag(Tags.voicemailHeard("v1")).assertTextContains("Mark new")
        assertEquals(listOf("/tmp/voicemail-v1.wav"), player.played)
    }

    @Test
    fun contactsSearchAndCallANumber() = runComposeUiTest {
        val core = core()
        setContent { RingsideApp(presenters(core)) }
        onNodeWithTag(Tags.tab("CONTACTS")).performClick()
        onNodeWithTag(Tags.CONTACTS_SEARCH).performTextInput("bob")
        waitUntil(timeoutMillis = 3_000) { onAllNodes(hasTestTag(Tags.contact("c1"))).fetchSemanticsNodes().isEmpty() }
        onNodeWithTag(Tags.contactCall("1003")).performClick()
        waitUntil(timeoutMillis = 3_000) { core.calls.commands == listOf("dial 1003") }
    }
}
