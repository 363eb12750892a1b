package app.ringside.app.notify

import android.app.Service
import android.content.Context
import android.content.Intent
import android.content.pm.ServiceInfo
import android.os.Build
import android.os.IBinder
import app.ringside.app.AppGraph

/**
 * The `phoneCall` foreground service: keeps the process, the microphone and the network while a
 * call rings or runs. Started from the FCM callback for a ringing call (allowed for a
 * high-priority message) and stopped when the core has no call left.
 */
class CallForegroundService : Service() {
    override fun onBind(intent: Intent?): IBinder? = null

    override fun onStartCommand(intent: Intent?, flags: Int, startId: Int): Int {
        val callId = intent?.getStringExtra(CallNotifications.EXTRA_CALL_ID) ?: ""
        val peer = intent?.getStringExtra(EXTRA_PEER) ?: ""
        val notification = AppGraph.get().notifications.incoming(callId, peer)
        if (Build.VERSION.SDK_INT >= 29) {
            startForeground(CallNotifications.NOTIFICATION_ID, notification, ServiceInfo.FOREGROUND_SERVICE_TYPE_PHONE_CALL)
        } else {
            startForeground(CallNotifications.NOTIFICATION_ID, notification)
        }
        return START_NOT_STICKY
    }

    companion object {
        private const val EXTRA_PEER = "app.ringside.PEER"

        fun start(context: Context, callId: String, peer: String) {
            val intent = Intent(context, CallForegroundService::class.java).putExtra(CallNotifications.EXTRA_CALL_ID, callId).putExtra(EXTRA_PEER, peer)
            context.startForegroundService(intent)
        }

        fun stop(context: Context) {
            context.stopService(Intent(context, CallForegroundService::class.java))
        }
    }
}
