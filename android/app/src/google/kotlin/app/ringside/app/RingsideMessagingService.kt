package app.ringside.app

import android.content.Context
import app.ringside.app.push.PushHandler
import com.google.firebase.messaging.FirebaseMessagingService
import com.google.firebase.messaging.RemoteMessage
import kotlinx.coroutines.launch

/**
 * FCM's entry point, kept tiny: the decision and the Telecom report are PushHandler's (framework
 * code, type-checked on the JVM); this only hands the data message over, before returning.
 */
class RingsideMessagingService : FirebaseMessagingService() {
    override fun onMessageReceived(message: RemoteMessage) {
        PushHandler.onPush(message.data)
    }

    override fun onNewToken(token: String) {
        getSharedPreferences("ringside.push", Context.MODE_PRIVATE).edit().putString("token", token).apply()
        val graph = AppGraph.get()
        graph.scope.launch { graph.core().setPushToken(token, null) }
    }
}
