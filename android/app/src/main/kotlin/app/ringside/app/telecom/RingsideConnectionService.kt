package app.ringside.app.telecom

import android.os.Build
import android.telecom.CallAudioState
import android.telecom.CallEndpoint
import android.telecom.Connection
import android.telecom.ConnectionRequest
import android.telecom.ConnectionService
import android.telecom.DisconnectCause
import android.telecom.PhoneAccountHandle
import app.ringside.app.AppGraph

/**
 * Telecom's side of our calls (self-managed): Telecom asks for a Connection when we report a
 * call, and forwards what the system decides (a Bluetooth headset's answer button, a car kit's
 * hang-up, a cellular call arriving: hold) to the core through [TelecomCalls].
 */
class RingsideConnectionService : ConnectionService() {
    private val telecom get() = AppGraph.get().telecom

    override fun onCreateIncomingConnection(account: PhoneAccountHandle?, request: ConnectionRequest): Connection {
        val callId = request.extras.getString(TelecomCalls.EXTRA_CALL_ID) ?: return failed("no call id")
        return telecom.newConnection(callId, request, incoming = true)
    }

    override fun onCreateOutgoingConnection(account: PhoneAccountHandle?, request: ConnectionRequest): Connection {
        val callId = request.extras.getString(TelecomCalls.EXTRA_CALL_ID) ?: return failed("no call id")
        return telecom.newConnection(callId, request, incoming = false)
    }

    override fun onCreateIncomingConnectionFailed(account: PhoneAccountHandle?, request: ConnectionRequest) {
        // Telecom refused (e.g. an emergency call is active): decline so the desk phone takes it.
        request.extras.getString(TelecomCalls.EXTRA_CALL_ID)?.let { telecom.refused(it) }
    }

    override fun onCreateOutgoingConnectionFailed(account: PhoneAccountHandle?, request: ConnectionRequest) {
        request.extras.getString(TelecomCalls.EXTRA_CALL_ID)?.let { telecom.refused(it) }
    }

    private fun failed(why: String) = Connection.createFailedConnection(DisconnectCause(DisconnectCause.ERROR, why))
}

/** One call as Telecom sees it; every user action goes to [actions], the core decides. */
class RingsideConnection(val callId: String, private val actions: ConnectionActions) : Connection() {
    init {
        connectionProperties = PROPERTY_SELF_MANAGED
        connectionCapabilities = CAPABILITY_HOLD or CAPABILITY_SUPPORT_HOLD or CAPABILITY_MUTE
        audioModeIsVoip = true
    }

    override fun onShowIncomingCallUi() = actions.showIncoming(callId)
    override fun onAnswer() = actions.answer(callId)
    override fun onAnswer(videoState: Int) = actions.answer(callId)
    override fun onReject() = actions.reject(callId)
    override fun onDisconnect() = actions.hangup(callId)
    override fun onAbort() = actions.hangup(callId)
    override fun onHold() = actions.hold(callId)
    override fun onUnhold() = actions.resume(callId)
    override fun onPlayDtmfTone(c: Char) = actions.dtmf(callId, c)

    @Deprecated("Telecom before API 34 reports routes here")
    override fun onCallAudioStateChanged(state: CallAudioState) {
        if (Build.VERSION.SDK_INT < 34) actions.muted(callId, state.isMuted)
    }

    override fun onMuteStateChanged(isMuted: Boolean) = actions.muted(callId, isMuted)

    override fun onCallEndpointChanged(callEndpoint: CallEndpoint) = actions.endpointChanged(callEndpoint.endpointType)
}

/** What a Connection forwards; implemented by [TelecomCalls] over the core. */
interface ConnectionActions {
    fun showIncoming(callId: String)
    fun answer(callId: String)
    fun reject(callId: String)
    fun hangup(callId: String)
    fun hold(callId: String)
    fun resume(callId: String)
    fun dtmf(callId: String, digit: Char)
    fun muted(callId: String, muted: Boolean)
    fun endpointChanged(type: Int)
}
