package app.ringside.app.notify

import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import app.ringside.app.AppGraph
import kotlinx.coroutines.launch

/** Answer, Decline and Hang up from the call notification, straight to the core. */
class CallActionReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        val callId = intent.getStringExtra(CallNotifications.EXTRA_CALL_ID) ?: return
        val graph = AppGraph.get()
        val calls = graph.core().calls
        val pending = goAsync()
        graph.scope.launch {
            try {
                when (intent.action) {
                    ANSWER -> calls.answer(callId)
                    DECLINE -> calls.decline(callId, everywhere = false)
                    HANGUP -> calls.hangup(callId)
                }
            } catch (e: app.ringside.core.api.CoreException) {
                graph.notifications.cancel(callId)
            } finally {
                pending.finish()
            }
        }
        if (intent.action == ANSWER) {
            context.startActivity(Intent().setClassName(context, "app.ringside.app.MainActivity").addFlags(Intent.FLAG_ACTIVITY_NEW_TASK))
        }
    }

    companion object {
        const val ANSWER = "app.ringside.ANSWER"
        const val DECLINE = "app.ringside.DECLINE"
        const val HANGUP = "app.ringside.HANGUP"
    }
}
