package app.ringside.app.telecom

import android.content.Context
import android.net.Uri
import android.os.Bundle
import android.telecom.Connection
import android.telecom.ConnectionRequest
import android.telecom.DisconnectCause
import android.telecom.PhoneAccount
import android.telecom.TelecomManager
import app.ringside.app.AppGraph
import app.ringside.app.notify.CallForegroundService
import app.ringside.app.notify.CallNotifications
import app.ringside.core.api.Call
import app.ringside.core.api.CallDirection
import app.ringside.core.api.CallService
import app.ringside.core.api.CallStatus
import app.ringside.core.api.CoreException
import app.ringside.core.api.EndReason
import java.util.concurrent.ConcurrentHashMap
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.launchIn
import kotlinx.coroutines.flow.onEach
import kotlinx.coroutines.launch

/**
 * Keeps Telecom, the `phoneCall` foreground service and the call notification in step with the
 * core's calls. The core is the truth: every Connection mirrors one core call by its uuid, and
 * Telecom's requests go back to the core as commands.
 */
class TelecomCalls(
    private val context: Context,
    private val notifications: CallNotifications,
    private val calls: () -> CallService,
) : ConnectionActions {
    private val telecom = context.getSystemService(TelecomManager::class.java)
    private val connections = ConcurrentHashMap<String, RingsideConnection>()
    /** Calls reported to Telecom, connection or not yet: a push and its INVITE report once. */
    private val reported = ConcurrentHashMap.newKeySet<String>()
    private val lastSeen = ConcurrentHashMap<String, Call>()
    private lateinit var scope: CoroutineScope
    /** Call audio (focus, communication mode) is held from the first connected call to the last. */
    @Volatile private var audioStarted = false

    /**
     * A call rings: report it to Telecom at once (the FCM callback calls this before returning:
     * Android lets a high-priority message start a foreground service only while it runs).
     */
    fun reportIncoming(callId: String, caller: String, displayName: String?) {
        if (!reported.add(callId)) return
        CallForegroundService.start(context, callId, displayName ?: caller)
        notifications.showIncoming(callId, displayName ?: caller)
        val extras = Bundle().apply {
            putString(EXTRA_CALL_ID, callId)
            putParcelable(TelecomManager.EXTRA_INCOMING_CALL_ADDRESS, address(caller))
            putBundle(TelecomManager.EXTRA_INCOMING_CALL_EXTRAS, Bundle().apply { putString(EXTRA_CALL_ID, callId) })
        }
        try {
            telecom.addNewIncomingCall(PhoneAccounts.handle(context), extras)
        } catch (e: SecurityException) {
            // The PhoneAccount was disabled by the user: the notification alone still rings.
        }
    }

    private fun reportOutgoing(call: Call) {
        if (!reported.add(call.id)) return
        CallForegroundService.start(context, call.id, call.remoteName ?: call.remote)
        val extras = Bundle().apply {
            putParcelable(TelecomManager.EXTRA_PHONE_ACCOUNT_HANDLE, PhoneAccounts.handle(context))
            putBundle(TelecomManager.EXTRA_OUTGOING_CALL_EXTRAS, Bundle().apply { putString(EXTRA_CALL_ID, call.id) })
        }
        try {
            telecom.placeCall(address(call.remote), extras)
        } catch (e: SecurityException) {
            // Without MANAGE_OWN_CALLS the call still works; Telecom just does not know of it.
        }
    }

    /** Called by the ConnectionService when Telecom accepted a reported call. */
    fun newConnection(callId: String, request: ConnectionRequest, incoming: Boolean): Connection {
        val connection = RingsideConnection(callId, this)
        connection.setAddress(request.address, TelecomManager.PRESENTATION_ALLOWED)
        lastSeen[callId]?.remoteName?.let { connection.setCallerDisplayName(it, TelecomManager.PRESENTATION_ALLOWED) }
        if (incoming) connection.setRinging() else connection.setDialing()
        connections[callId] = connection
        lastSeen[callId]?.let { apply(connection, it) }
        return connection
    }

    /** Telecom would not take the call (an emergency call, too many calls): 486 so the desk rings on. */
    fun refused(callId: String) = command { calls().decline(callId, everywhere = false) }

    fun watch(service: CallService, scope: CoroutineScope) {
        this.scope = scope
        service.calls.onEach { list -> sync(list) }.launchIn(scope)
    }

    private fun sync(list: List<Call>) {
        val live = list.filter { it.status !is CallStatus.Ended }
        for (call in list) {
            lastSeen[call.id] = call
            when {
                call.status is CallStatus.Ended -> end(call.id, (call.status as CallStatus.Ended).reason)
                call.direction == CallDirection.INCOMING && call.status == CallStatus.Incoming -> reportIncoming(call.id, call.remote, call.remoteName)
                call.direction == CallDirection.OUTGOING -> reportOutgoing(call)
            }
            connections[call.id]?.let { apply(it, call) }
            if (call.status == CallStatus.Active) notifications.showOngoing(call.id, call.remoteName ?: call.remote)
        }
        // Calls gone from the list ended without us seeing why: the far end hung up.
        for (id in reported.toList()) if (list.none { it.id == id }) end(id, null)
        val router = AppGraph.get().router
        if (!audioStarted && live.any { it.status == CallStatus.Active }) {
            audioStarted = true
            router.startCall()
        }
        if (live.isEmpty()) {
            if (audioStarted) router.endCall()
            audioStarted = false
            CallForegroundService.stop(context)
        }
    }

    private fun apply(connection: RingsideConnection, call: Call) {
        when (val s = call.status) {
            CallStatus.Incoming -> connection.setRinging()
            CallStatus.Dialing, is CallStatus.RemoteRinging -> connection.setDialing()
            CallStatus.Active -> connection.setActive()
            is CallStatus.Held -> connection.setOnHold()
            is CallStatus.Ended -> Unit
        }
    }

    private fun end(callId: String, reason: EndReason?) {
        reported.remove(callId)
        lastSeen.remove(callId)
        notifications.cancel(callId)
        val connection = connections.remove(callId) ?: return
        connection.setDisconnected(disconnectCause(reason))
        connection.destroy()
    }

    private fun command(action: suspend () -> Unit) {
        scope.launch {
            try {
                action()
            } catch (e: CoreException) {
                // The core already ended or never had the call: Telecom hears it from sync().
            }
        }
    }

    override fun showIncoming(callId: String) {
        val call = lastSeen[callId]
        notifications.showIncoming(callId, call?.remoteName ?: call?.remote ?: "")
    }
    override fun answer(callId: String) = command { calls().answer(callId) }
    override fun reject(callId: String) = command { calls().decline(callId, everywhere = false) }
    override fun hangup(callId: String) = command { calls().hangup(callId) }
    override fun hold(callId: String) = command { calls().hold(callId) }
    override fun resume(callId: String) = command { calls().resume(callId) }
    override fun dtmf(callId: String, digit: Char) = command { calls().sendDtmf(callId, digit.toString()) }
    override fun muted(callId: String, muted: Boolean) = command { calls().mute(callId, muted) }
    override fun endpointChanged(type: Int) = AppGraph.get().router.onTelecomEndpoint(type)

    companion object {
        const val EXTRA_CALL_ID = "app.ringside.CALL_ID"

        fun address(remote: String): Uri {
            val bare = remote.removePrefix("sip:").removePrefix("sips:")
            return if (bare.all { it.isDigit() || it == '+' }) Uri.fromParts(PhoneAccount.SCHEME_TEL, bare, null) else Uri.fromParts(PhoneAccount.SCHEME_SIP, bare, null)
        }

        fun disconnectCause(reason: EndReason?): DisconnectCause = when (reason) {
            EndReason.LOCAL_HANGUP -> DisconnectCause(DisconnectCause.LOCAL)
            EndReason.REMOTE_HANGUP, null -> DisconnectCause(DisconnectCause.REMOTE)
            EndReason.ANSWERED_ELSEWHERE -> DisconnectCause(DisconnectCause.ANSWERED_ELSEWHERE)
            EndReason.DECLINED_ELSEWHERE, EndReason.DECLINED -> DisconnectCause(DisconnectCause.REJECTED)
            EndReason.CANCELLED, EndReason.UNANSWERED -> DisconnectCause(DisconnectCause.MISSED)
            EndReason.BUSY -> DisconnectCause(DisconnectCause.BUSY)
            EndReason.FAILED -> DisconnectCause(DisconnectCause.ERROR)
        }
    }
}
