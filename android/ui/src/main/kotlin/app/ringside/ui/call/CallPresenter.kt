package app.ringside.ui.call

import app.ringside.core.api.AudioRoute
import app.ringside.core.api.AudioRouter
import app.ringside.core.api.AudioRoutes
import app.ringside.core.api.Call
import app.ringside.core.api.CallDirection
import app.ringside.core.api.CallService
import app.ringside.core.api.CallStatus
import app.ringside.core.api.CoreException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.combine
import kotlinx.coroutines.flow.launchIn
import kotlinx.coroutines.flow.onEach
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/** One call as the call screens show it. */
data class CallUi(
    val id: String,
    /** The name when known, else the number. */
    val title: String,
    /** The number under a name; null when the title already is the number. */
    val subtitle: String?,
    val status: CallStatus,
    val direction: CallDirection,
    val muted: Boolean,
) {
    val onHold: Boolean get() = status is CallStatus.Held
    val statusText: String
        get() = when (val s = status) {
            CallStatus.Incoming -> "Incoming call"
            CallStatus.Dialing -> "Calling…"
            // With early media the sound is the far end's own (a queue, an IVR): say so, or the
            // user waits for a ringback that will never come from the phone.
            is CallStatus.RemoteRinging -> if (s.earlyMedia) "Ringing · audio from the line" else "Ringing…"
            CallStatus.Active -> "Connected"
            is CallStatus.Held -> if (s.byRemote) "Held by the other side" else "On hold"
            is CallStatus.Ended -> "Call ended"
        }
}

/** What the "transfer or add call" field is for. */
enum class TargetMode { BLIND_TRANSFER, ADD_CALL }

data class CallScreenState(
    /** The oldest call ringing here; null when none. */
    val incoming: CallUi? = null,
    /** The call in the foreground: connected, dialing, or the one last put on hold. */
    val current: CallUi? = null,
    /** Every other call (held, waiting for an attended transfer or a swap). */
    val others: List<CallUi> = emptyList(),
    val routes: AudioRoutes = AudioRoutes(AudioRoute.EARPIECE, listOf(AudioRoute.EARPIECE, AudioRoute.SPEAKER)),
    val keypadOpen: Boolean = false,
    val dtmfSent: String = "",
    val targetMode: TargetMode? = null,
    val target: String = "",
    val error: String? = null,
) {
    val hasCalls: Boolean get() = incoming != null || current != null
    /** Two calls of ours: the held one can be handed over to the current one. */
    val canCompleteAttendedTransfer: Boolean get() = current != null && others.isNotEmpty() && current.status == CallStatus.Active
}

/**
 * The call screens' logic over every live call: which one rings, which one is in front, and the
 * commands on them. Answering while in a call holds the first call itself rather than relying on
 * the far end; the held call stays listed so it can be swapped back or transferred to.
 */
class CallPresenter(
    private val calls: CallService,
    private val router: AudioRouter,
    private val scope: CoroutineScope,
) {
    private val mutable = MutableStateFlow(CallScreenState(routes = router.routes.value))
    val state: StateFlow<CallScreenState> = mutable
    private var live: List<Call> = emptyList()

    init {
        combine(calls.calls, router.routes) { list, routes -> list to routes }
            .onEach { (list, routes) ->
                live = list.filter { it.status !is CallStatus.Ended }
                mutable.update { derive(it, live, routes) }
            }
            .launchIn(scope)
    }

    private fun derive(old: CallScreenState, list: List<Call>, routes: AudioRoutes): CallScreenState {
        val incoming = list.firstOrNull { it.status == CallStatus.Incoming }
        val mine = list.filter { it.status != CallStatus.Incoming }
        val front = mine.lastOrNull { it.status == CallStatus.Active || it.status == CallStatus.Dialing || it.status is CallStatus.RemoteRinging }
            ?: mine.lastOrNull()
        return old.copy(
            incoming = incoming?.toUi(),
            current = front?.toUi(),
            others = mine.filter { it.id != front?.id }.map { it.toUi() },
            routes = routes,
            keypadOpen = old.keypadOpen && front != null,
            dtmfSent = if (front?.id == old.current?.id) old.dtmfSent else "",
            targetMode = if (front == null) null else old.targetMode,
        )
    }

    private fun Call.toUi(): CallUi {
        val name = remoteName?.takeIf { it.isNotBlank() }
        val number = displayNumber(remote)
        return CallUi(id, name ?: number, if (name != null) number else null, status, direction, muted)
    }

    private fun run(action: suspend () -> Unit) {
        scope.launch {
            try {
                action()
                mutable.update { it.copy(error = null) }
            } catch (e: CoreException) {
                mutable.update { it.copy(error = e.message) }
            }
        }
    }

    fun onAnswer() {
        val ringing = state.value.incoming ?: return
        val active = live.filter { it.status == CallStatus.Active }
        run {
            active.forEach { calls.hold(it.id) }
            calls.answer(ringing.id)
        }
    }

    /** 486: the desk phone and the other forks keep ringing. */
    fun onDecline() {
        val ringing = state.value.incoming ?: return
        run { calls.decline(ringing.id, everywhere = false) }
    }

    /** 603: nobody gets the call. */
    fun onDeclineEverywhere() {
        val ringing = state.value.incoming ?: return
        run { calls.decline(ringing.id, everywhere = true) }
    }

    fun onHangup() {
        val call = state.value.current ?: return
        run { calls.hangup(call.id) }
    }

    fun onToggleHold() {
        val call = state.value.current ?: return
        run { if (call.status is CallStatus.Held) calls.resume(call.id) else calls.hold(call.id) }
    }

    fun onToggleMute() {
        val call = state.value.current ?: return
        run { calls.mute(call.id, !call.muted) }
    }

    fun onRoute(route: AudioRoute) = router.select(route)

    fun onToggleKeypad() = mutable.update { it.copy(keypadOpen = !it.keypadOpen) }

    fun onDtmf(digit: Char) {
        val call = state.value.current ?: return
        mutable.update { it.copy(dtmfSent = it.dtmfSent + digit) }
        run { calls.sendDtmf(call.id, digit.toString()) }
    }

    fun onStartTarget(mode: TargetMode) = mutable.update { it.copy(targetMode = mode, target = "", keypadOpen = false) }

    fun onTargetChanged(target: String) = mutable.update { it.copy(target = target.trim()) }

    fun onCancelTarget() = mutable.update { it.copy(targetMode = null, target = "") }

    fun onConfirmTarget() {
        val s = state.value
        val call = s.current ?: return
        val target = s.target.takeIf { it.isNotBlank() } ?: return
        val mode = s.targetMode ?: return
        mutable.update { it.copy(targetMode = null, target = "") }
        when (mode) {
            TargetMode.BLIND_TRANSFER -> run { calls.transferBlind(call.id, target) }
            // The second call: hold this one first, then dial; both stay listed.
            TargetMode.ADD_CALL -> run {
                if (call.status == CallStatus.Active) calls.hold(call.id)
                calls.dial(target)
            }
        }
    }

    /** Brings the held call to the front and holds the current one. */
    fun onSwap(to: String) {
        val current = state.value.current
        run {
            if (current != null && current.status == CallStatus.Active) calls.hold(current.id)
            calls.resume(to)
        }
    }

    /** Attended transfer: the held caller is handed over to the party we consulted. */
    fun onCompleteAttendedTransfer() {
        val s = state.value
        val consulted = s.current ?: return
        val held = s.others.firstOrNull() ?: return
        run { calls.transferAttended(held.id, consulted.id) }
    }

    companion object {
        /** `sip:1002@pbx.test` → `1002`; anything that is not a SIP URI stays as it is. */
        fun displayNumber(remote: String): String {
            val bare = remote.removePrefix("sips:").removePrefix("sip:").removePrefix("tel:")
            return bare.substringBefore(';').substringBefore('@')
        }
    }
}
