package app.ringside.ui

import app.ringside.core.api.AudioRoute
import app.ringside.core.api.CallDirection
import app.ringside.core.api.CallHistory
import app.ringside.core.api.CallStatus
import app.ringside.core.api.Codec
import app.ringside.core.api.Contact
import app.ringside.core.api.ContactNumber
import app.ringside.core.api.CoreException
import app.ringside.core.api.EndReason
import app.ringside.core.api.HistoryEntry
import app.ringside.core.api.RegistrationStatus
import app.ringside.core.api.SecretKind
import app.ringside.core.api.SrtpMode
import app.ringside.core.api.Voicemail
import app.ringside.core.test.FakeAccountService
import app.ringside.core.test.FakeAudioRouter
import app.ringside.core.test.FakeCallService
import app.ringside.core.test.FakeContactsService
import app.ringside.core.test.FakeHistoryService
import app.ringside.core.test.FakeProvisioningParser
import app.ringside.core.test.FakeSettingsService
import app.ringside.core.test.FakeSettingsStore
import app.ringside.core.test.FakeVoicemailPlayer
import app.ringside.core.test.FakeVoicemailService
import app.ringside.ui.account.AccountField
import app.ringside.ui.account.AccountSetupPresenter
import app.ringside.ui.call.CallPresenter
import app.ringside.ui.call.TargetMode
import app.ringside.ui.dialer.DialerPresenter
import app.ringside.ui.history.HistoryPresenter
import app.ringside.ui.registration.Health
import app.ringside.ui.registration.RegistrationPresenter
import app.ringside.ui.settings.SettingsPresenter
import app.ringside.ui.voicemail.VoicemailPresenter
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.test.advanceTimeBy
import kotlinx.coroutines.test.advanceUntilIdle
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * Presenters' coroutines on the test's scheduler as foreground work, so `advanceUntilIdle` runs
 * them (it leaves `backgroundScope` work alone); their endless collectors just stay suspended.
 */
val kotlinx.coroutines.test.TestScope.presenterScope: kotlinx.coroutines.CoroutineScope
    get() = kotlinx.coroutines.CoroutineScope(kotlinx.coroutines.test.StandardTestDispatcher(testScheduler) + kotlinx.coroutines.SupervisorJob())

val PEOPLE = listOf(
    Contact("c1", "Alice Martin", "Sales", listOf(ContactNumber("1002", "desk"), ContactNumber("+33612345678", "mobile"))),
    Contact("c2", "Bob Durand", null, listOf(ContactNumber("1003", "desk"))),
    Contact("c3", "Alain Petit", null, listOf(ContactNumber("+33698765432", "mobile"))),
)

fun entry(id: String, reason: EndReason?, missed: Boolean, seen: Boolean = false, at: Long = 1_700_000_000_000, talkMs: Long? = null, dir: CallDirection = CallDirection.INCOMING) =
    HistoryEntry(id, dir, "sip:1002@pbx.test", "Alice Martin", at, talkMs, reason, missed, seen, false)

@OptIn(ExperimentalCoroutinesApi::class)
class AccountSetupPresenterTest {
    @Test
    fun theFourValuesSaveTheAccountAndThePasswordGoesToTheSecretStore() = runTest {
        val accounts = FakeAccountService()
        val p = AccountSetupPresenter(accounts, FakeProvisioningParser(), presenterScope)
        p.onEdit(AccountField.USERNAME, " 1001 ")
        p.onEdit(AccountField.DOMAIN, "pbx.example.com")
        assertFalse("no password yet", p.state.value.canSave)
        p.onEdit(AccountField.PASSWORD, "s3cret")
        p.onEdit(AccountField.PROXY, "pabx.axivox.com")
        p.onSave()
        advanceUntilIdle()
        assertTrue(p.state.value.saved)
        val saved = accounts.accounts.value.single()
        assertEquals("1001@pbx.example.com", saved.key)
        assertEquals("pabx.axivox.com", saved.account.proxy)
        assertEquals("s3cret", accounts.secrets.password(SecretKind.SIP, "1001@pbx.example.com"))
    }

    @Test
    fun aProvisioningLinkFillsTheFormAndKeepsATypedPasswordWhenItHasNone() = runTest {
        val p = AccountSetupPresenter(FakeAccountService(), FakeProvisioningParser(), presenterScope)
        p.onEdit(AccountField.PASSWORD, "typed")
        p.onProvisioning("https://prov.example.com/x/provision?username=1004&domain=pbx.example.com&proxy=pabx.axivox.com&display_name=Dan")
        val s = p.state.value
        assertEquals("1004", s.username)
        assertEquals("pbx.example.com", s.domain)
        assertEquals("pabx.axivox.com", s.proxy)
        assertEquals("typed", s.password)
        assertEquals("Dan", s.displayName)
    }

    @Test
    fun aBadLinkSaysWhyAndLeavesTheForm() = runTest {
        val p = AccountSetupPresenter(FakeAccountService(), FakeProvisioningParser(), presenterScope)
        p.onEdit(AccountField.USERNAME, "1001")
        p.onProvisioning("https://example.com/other?username=1")
        assertEquals("1001", p.state.value.username)
        assertTrue(p.state.value.linkError!!.isNotBlank())
    }
}

@OptIn(ExperimentalCoroutinesApi::class)
class DialerPresenterTest {
    @Test
    fun typingSearchesContactsOnceTheTypistPauses() = runTest {
        val contacts = FakeContactsService(PEOPLE)
        val p = DialerPresenter(FakeCallService(), contacts, presenterScope, debounceMs = 100)
        p.onKey('1'); p.onKey('0'); p.onKey('0'); p.onKey('2')
        advanceTimeBy(50)
        assertTrue("no search mid-typing", contacts.searches.isEmpty())
        advanceUntilIdle()
        assertEquals(listOf("1002"), contacts.searches)
        assertEquals("Alice Martin", p.state.value.suggestions.single { it.number == "1002" }.name)
    }

    @Test
    fun pickingASuggestionFillsTheNumberAndCallDials() = runTest {
        val calls = FakeCallService()
        val p = DialerPresenter(calls, FakeContactsService(PEOPLE), presenterScope, debounceMs = 0)
        p.onNumberChanged("bob")
        advanceUntilIdle()
        p.onSuggestion(p.state.value.suggestions.single())
        assertEquals("1003", p.state.value.number)
        p.onCall()
        advanceUntilIdle()
        assertEquals(listOf("dial 1003"), calls.commands)
        assertEquals("", p.state.value.number)
    }

    @Test
    fun aFailedDialKeepsTheNumberAndShowsWhy() = runTest {
        val calls = FakeCallService().apply { failNext = CoreException.Network("no network") }
        val p = DialerPresenter(calls, FakeContactsService(), presenterScope)
        p.onNumberChanged("1002")
        p.onCall()
        advanceUntilIdle()
        assertEquals("1002", p.state.value.number)
        assertEquals("no network", p.state.value.error)
    }
}

@OptIn(ExperimentalCoroutinesApi::class)
class CallPresenterTest {
    private fun setup(scope: kotlinx.coroutines.CoroutineScope): Pair<FakeCallService, CallPresenter> {
        val calls = FakeCallService()
        return calls to CallPresenter(calls, FakeAudioRouter(), scope)
    }

    @Test
    fun aRingingCallIsIncomingUntilAnswered() = runTest {
        val (calls, p) = setup(presenterScope)
        val id = calls.ring("sip:1002@pbx.test", "Alice Martin")
        runCurrent()
        assertEquals("Alice Martin", p.state.value.incoming!!.title)
        assertEquals("1002", p.state.value.incoming!!.subtitle)
        p.onAnswer()
        advanceUntilIdle()
        assertNull(p.state.value.incoming)
        assertEquals(CallStatus.Active, p.state.value.current!!.status)
        assertEquals(listOf("answer $id"), calls.commands)
    }

    @Test
    fun declineIsA486AndDeclineEverywhereA603() = runTest {
        val (calls, p) = setup(presenterScope)
        val a = calls.ring("sip:1002@pbx.test")
        runCurrent()
        p.onDecline()
        advanceUntilIdle()
        val b = calls.ring("sip:1003@pbx.test")
        runCurrent()
        p.onDeclineEverywhere()
        advanceUntilIdle()
        assertEquals(listOf("decline $a", "decline $b everywhere"), calls.commands)
        assertFalse(p.state.value.hasCalls)
    }

    @Test
    fun ringingSaysWhenTheSoundComesFromTheLine() {
        fun ui(s: CallStatus) = app.ringside.ui.call.CallUi("c", "1003", null, s, CallDirection.OUTGOING, false)
        assertEquals("Ringing…", ui(CallStatus.RemoteRinging(earlyMedia = false)).statusText)
        assertEquals("Ringing · audio from the line", ui(CallStatus.RemoteRinging(earlyMedia = true)).statusText)
    }

    @Test
    fun holdResumeMuteAndHangup() = runTest {
        val (calls, p) = setup(presenterScope)
        val id = calls.ring("sip:1002@pbx.test")
        runCurrent(); p.onAnswer(); advanceUntilIdle()
        p.onToggleHold(); advanceUntilIdle()
        assertEquals("On hold", p.state.value.current!!.statusText)
        p.onToggleHold(); advanceUntilIdle()
        p.onToggleMute(); advanceUntilIdle()
        assertTrue(p.state.value.current!!.muted)
        p.onHangup(); advanceUntilIdle()
        assertEquals(listOf("answer $id", "hold $id", "resume $id", "mute $id true", "hangup $id"), calls.commands)
        assertNull(p.state.value.current)
    }

    @Test
    fun answeringASecondCallHoldsTheFirstItself() = runTest {
        val (calls, p) = setup(presenterScope)
        val first = calls.ring("sip:1002@pbx.test"); runCurrent(); p.onAnswer(); advanceUntilIdle()
        val second = calls.ring("sip:1003@pbx.test"); runCurrent()
        p.onAnswer(); advanceUntilIdle()
        assertEquals(listOf("answer $first", "hold $first", "answer $second"), calls.commands)
        assertEquals(second, p.state.value.current!!.id)
        assertEquals(first, p.state.value.others.single().id)
    }

    @Test
    fun blindTransferSendsTheTypedTarget() = runTest {
        val (calls, p) = setup(presenterScope)
        val id = calls.ring("sip:1002@pbx.test"); runCurrent(); p.onAnswer(); advanceUntilIdle()
        p.onStartTarget(TargetMode.BLIND_TRANSFER)
        p.onTargetChanged(" 1003 ")
        p.onConfirmTarget(); advanceUntilIdle()
        assertEquals("transferBlind $id 1003", calls.commands.last())
    }

    @Test
    fun attendedTransferHandsTheHeldCallerToTheConsultedParty() = runTest {
        val (calls, p) = setup(presenterScope)
        val caller = calls.ring("sip:1002@pbx.test"); runCurrent(); p.onAnswer(); advanceUntilIdle()
        p.onStartTarget(TargetMode.ADD_CALL); p.onTargetChanged("1003"); p.onConfirmTarget(); advanceUntilIdle()
        val consult = p.state.value.current!!.id
        calls.remoteAnswers(consult); runCurrent()
        assertTrue(p.state.value.canCompleteAttendedTransfer)
        p.onCompleteAttendedTransfer(); advanceUntilIdle()
        assertEquals(listOf("answer $caller", "hold $caller", "dial 1003", "transferAttended $caller $consult"), calls.commands)
    }

    @Test
    fun swapResumesTheHeldCallAndHoldsTheCurrentOne() = runTest {
        val (calls, p) = setup(presenterScope)
        val a = calls.ring("sip:1002@pbx.test"); runCurrent(); p.onAnswer(); advanceUntilIdle()
        val b = calls.ring("sip:1003@pbx.test"); runCurrent(); p.onAnswer(); advanceUntilIdle()
        p.onSwap(a); advanceUntilIdle()
        assertEquals(a, p.state.value.current!!.id)
        assertEquals(listOf("hold $b", "resume $a"), calls.commands.takeLast(2))
    }

    @Test
    fun dtmfIsSentAndShownAndRoutesFollowTheRouter() = runTest {
        val (calls, p) = setup(presenterScope)
        val id = calls.ring("sip:1002@pbx.test"); runCurrent(); p.onAnswer(); advanceUntilIdle()
        p.onToggleKeypad(); p.onDtmf('4'); p.onDtmf('#'); advanceUntilIdle()
        assertEquals("4#", p.state.value.dtmfSent)
        assertEquals(listOf("dtmf $id 4", "dtmf $id #"), calls.commands.takeLast(2))
        p.onRoute(AudioRoute.SPEAKER); runCurrent()
        assertEquals(AudioRoute.SPEAKER, p.state.value.routes.current)
    }

    @Test
    fun aCallEndedOnTheNetworkLeavesTheScreen() = runTest {
        val (calls, p) = setup(presenterScope)
        val id = calls.ring("sip:1002@pbx.test"); runCurrent()
        calls.endRemotely(id, EndReason.ANSWERED_ELSEWHERE); runCurrent()
        assertFalse(p.state.value.hasCalls)
    }
}

@OptIn(ExperimentalCoroutinesApi::class)
class HistoryPresenterTest {
    @Test
    fun missedComeFirstUnseenOnTopAndAnsweredElsewhereIsNotMissed() = runTest {
        val history = FakeHistoryService(
            CallHistory(
                listOf(
                    entry("seen-missed", EndReason.CANCELLED, missed = true, seen = true, at = 5),
                    entry("desk", EndReason.ANSWERED_ELSEWHERE, missed = false, at = 4),
                    entry("unseen-missed", EndReason.CANCELLED, missed = true, at = 3),
                    entry("talked", EndReason.REMOTE_HANGUP, missed = false, at = 2, talkMs = 65_000),
                ),
                missedUnseen = 1,
            ),
        )
        val p = HistoryPresenter(history, FakeCallService(), presenterScope)
        runCurrent()
        assertEquals(listOf("unseen-missed", "seen-missed"), p.state.value.missed.map { it.id })
        assertEquals(listOf("desk", "talked"), p.state.value.recent.map { it.id })
        assertEquals("Answered elsewhere", p.state.value.recent[0].outcome)
        assertEquals("Incoming · 1:05", p.state.value.recent[1].outcome)
        p.onMarkSeen(); advanceUntilIdle()
        assertEquals(0, p.state.value.missedUnseen)
        assertTrue(p.state.value.missed.none { it.unseen })
    }
}

@OptIn(ExperimentalCoroutinesApi::class)
class VoicemailPresenterTest {
    private val messages = listOf(
        Voicemail("v1", "sip:1002@pbx.test", "Alice Martin", 2_000, 31_000, heard = false),
        Voicemail("v2", "sip:0612345678@pbx.test", null, 1_000, 12_000, heard = true),
    )

    @Test
    fun playingFetchesTheAudioAndMarksHeard() = runTest {
        val box = FakeVoicemailService(messages)
        val player = FakeVoicemailPlayer()
        val p = VoicemailPresenter(box, player, FakeCallService(), presenterScope)
        advanceUntilIdle()
        assertEquals(1, p.state.value.newMessages)
        p.onPlay("v1"); advanceUntilIdle()
        assertEquals(listOf("/tmp/voicemail-v1.wav"), player.played)
        assertEquals("v1", p.state.value.playing)
        assertTrue(p.state.value.messages.first { it.id == "v1" }.heard)
        assertEquals(0, p.state.value.newMessages)
        p.onPlay("v1"); advanceUntilIdle()
        assertNull("a second tap stops", p.state.value.playing)
    }

    @Test
    fun heardTogglesAndDeleteRemoves() = runTest {
        val box = FakeVoicemailService(messages)
        val p = VoicemailPresenter(box, FakeVoicemailPlayer(), FakeCallService(), presenterScope)
        advanceUntilIdle()
        p.onToggleHeard("v2"); advanceUntilIdle()
        assertFalse(p.state.value.messages.first { it.id == "v2" }.heard)
        p.onDelete("v2"); advanceUntilIdle()
        assertEquals(listOf("v1"), p.state.value.messages.map { it.id })
    }
}

@OptIn(ExperimentalCoroutinesApi::class)
class SettingsAndRegistrationPresenterTest {
    @Test
    fun editsStayADraftUntilSavedAndTheLastCodecStays() = runTest {
        val store = FakeSettingsStore()
        val accounts = FakeAccountService()
        val p = SettingsPresenter(store, FakeSettingsService(), accounts, FakeCallService(), accounts.secrets, presenterScope)
        runCurrent()
        p.onSrtp(SrtpMode.MANDATORY)
        p.onCodec(Codec.PCMA, false); p.onCodec(Codec.PCMU, false); p.onCodec(Codec.OPUS, false)
        p.onCodecUp(Codec.PCMU)
        p.onText(app.ringside.ui.settings.SettingsField.VOICEMAIL_USERNAME, "alice")
        p.onText(app.ringside.ui.settings.SettingsField.VOICEMAIL_PASSWORD, "imap-pw")
        assertTrue(p.state.value.dirty)
        assertEquals(listOf(Codec.OPUS), p.state.value.draft.codecs)
        assertEquals(SrtpMode.OPTIONAL, store.settings.value.srtp)
        p.onSave(); advanceUntilIdle()
        assertEquals(SrtpMode.MANDATORY, store.settings.value.srtp)
        assertEquals("imap-pw", accounts.secrets.password(SecretKind.VOICEMAIL, "alice"))
        assertFalse(p.state.value.dirty)
    }

    @Test
    fun savedSettingsReachTheRunningCoreWithTheNewPasswordsAlreadyStored() = runTest {
        val store = FakeSettingsStore()
        val engine = FakeSettingsService()
        val accounts = FakeAccountService()
        var passwordWhenApplied: String? = null
        engine.onApply = { passwordWhenApplied = accounts.secrets.password(SecretKind.DIRECTORY, "alice") }
        val p = SettingsPresenter(store, engine, accounts, FakeCallService(), accounts.secrets, presenterScope)
        runCurrent()
        p.onSrtp(SrtpMode.MANDATORY)
        p.onBusyWhenInCall(true)
        p.onText(app.ringside.ui.settings.SettingsField.DIRECTORY_URL, "https://dav.test/book/")
        p.onText(app.ringside.ui.settings.SettingsField.DIRECTORY_USERNAME, "alice")
        p.onText(app.ringside.ui.settings.SettingsField.DIRECTORY_PASSWORD, "dav-pw")
        assertTrue("nothing reaches the core before Save", engine.applied.isEmpty())
        p.onSave(); advanceUntilIdle()
        val applied = engine.applied.single()
        assertEquals(SrtpMode.MANDATORY, applied.srtp)
        assertTrue(applied.busyWhenInCall)
        assertEquals("https://dav.test/book/", applied.directoryUrl)
        assertEquals("the core restarts after the password is stored, so it reads the new one", "dav-pw", passwordWhenApplied)
        assertNull(p.state.value.error)
    }

    @Test
    fun settingsSavedDuringACallApplyWhenTheCallEnds() = runTest {
        val store = FakeSettingsStore()
        val engine = FakeSettingsService().apply { refuseWith = CoreException.Busy("accounts change when no call is live") }
        val calls = FakeCallService()
        val accounts = FakeAccountService()
        val p = SettingsPresenter(store, engine, accounts, calls, accounts.secrets, presenterScope)
        val call = calls.ring("sip:1002@pbx.test")
        runCurrent()
        p.onCodec(Codec.OPUS, false)
        p.onSave(); advanceUntilIdle()
        assertEquals("Saved: applies when the call ends", p.state.value.error)
        assertEquals(listOf(Codec.PCMU, Codec.PCMA), store.settings.value.codecs)
        assertTrue(engine.applied.isEmpty())
        engine.refuseWith = null
        calls.hangup(call); advanceUntilIdle()
        assertEquals(listOf(Codec.PCMU, Codec.PCMA), engine.applied.single().codecs)
        assertNull(p.state.value.error)
        assertFalse(p.state.value.pendingRestart)
    }

    @Test
    fun registrationWordsTheFailureAndTheRetry() = runTest {
        val accounts = FakeAccountService().apply { failWith = RegistrationStatus.Failed(403, "Forbidden", 30_000) }
        val p = RegistrationPresenter(accounts, presenterScope)
        accounts.save(app.ringside.core.api.SipAccount("1001", "pbx.test"), "x")
        runCurrent()
        assertEquals(Health.PROBLEM, p.state.value.health)
        assertEquals("Wrong username or password · retrying in 30 s", p.state.value.summary)
        accounts.setStatus("1001@pbx.test", RegistrationStatus.Registered(600, push = true)); runCurrent()
        assertEquals("Ready: calls ring here", p.state.value.summary)
        assertEquals("Registered · wakes by push", p.state.value.lines.single().detail)
    }
}
