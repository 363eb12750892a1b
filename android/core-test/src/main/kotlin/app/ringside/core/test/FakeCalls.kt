package app.ringside.core.test

import app.ringside.core.api.Call
import app.ringside.core.api.CallDirection
import app.ringside.core.api.CallService
import app.ringside.core.api.CallStatus
import app.ringside.core.api.CoreException
import app.ringside.core.api.EndReason
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow

/**
 * Calls that behave like the core's, driven by the test: [ring] makes one arrive, [endRemotely]
 * ends one as the network would. Commands move the state as the core would and are recorded in
 * [commands] (`"answer c1"`, `"transferBlind c1 1003"`).
 */
class FakeCallService(private val account: String = "1001@pbx.test", private val clock: () -> Long = { 1_700_000_000_000 }) : CallService {
    private val state = MutableStateFlow<List<Call>>(emptyList())
    override val calls: StateFlow<List<Call>> = state
    val commands = mutableListOf<String>()
    /** Set to make the next command fail. */
    var failNext: CoreException? = null
    private var next = 1

    fun ring(remote: String, remoteName: String? = null): String {
        val id = "in-${next++}"
        state.value = state.value + Call(id, account, CallDirection.INCOMING, remote, remoteName, CallStatus.Incoming, false, clock(), null)
        return id
    }

    /** The other side answered an outgoing call. */
    fun remoteAnswers(id: String) = update(id) { it.copy(status = CallStatus.Active, answeredMs = clock()) }

    /** The call ended on the network's side (the caller hung up, the desk phone answered...). */
    fun endRemotely(id: String, reason: EndReason) {
        state.value = state.value.filterNot { it.id == id }
    }

    fun call(id: String): Call? = state.value.firstOrNull { it.id == id }

    private fun record(command: String) {
        failNext?.let { failNext = null; throw it }
        commands += command
    }

    private fun update(id: String, change: (Call) -> Call) {
        if (state.value.none { it.id == id }) throw CoreException.NotFound(id)
        state.value = state.value.map { if (it.id == id) change(it) else it }
    }

    override suspend fun dial(target: String, account: String?): String {
        record("dial $target")
        val id = "out-${next++}"
        state.value = state.value.map { if (it.status == CallStatus.Active) it.copy(status = CallStatus.Held(false)) else it } +
            Call(id, account ?: this.account, CallDirection.OUTGOING, target, null, CallStatus.Dialing, false, clock(), null)
        return id
    }

    override suspend fun answer(call: String) {
        record("answer $call")
        state.value = state.value.map {
            when {
                it.id == call -> it.copy(status = CallStatus.Active, answeredMs = clock())
                it.status == CallStatus.Active -> it.copy(status = CallStatus.Held(false))
                else -> it
            }
        }
    }

    override suspend fun decline(call: String, everywhere: Boolean) {
        record("decline $call${if (everywhere) " everywhere" else ""}")
        state.value = state.value.filterNot { it.id == call }
    }

    override suspend fun hangup(call: String) {
        record("hangup $call")
        state.value = state.value.filterNot { it.id == call }
    }

    override suspend fun hold(call: String) {
        record("hold $call")
        update(call) { it.copy(status = CallStatus.Held(false)) }
    }

    override suspend fun resume(call: String) {
        record("resume $call")
        state.value = state.value.map {
            when {
                it.id == call -> it.copy(status = CallStatus.Active)
                it.status == CallStatus.Active -> it.copy(status = CallStatus.Held(false))
                else -> it
            }
        }
    }

    override suspend fun mute(call: String, on: Boolean) {
        record("mute $call $on")
        update(call) { it.copy(muted = on) }
    }

    override suspend fun sendDtmf(call: String, digits: String) = record("dtmf $call $digits")

    override suspend fun transferBlind(call: String, target: String) {
        record("transferBlind $call $target")
        state.value = state.value.filterNot { it.id == call }
    }

    override suspend fun transferAttended(call: String, other: String) {
        record("transferAttended $call $other")
        state.value = state.value.filterNot { it.id == call || it.id == other }
    }
}
