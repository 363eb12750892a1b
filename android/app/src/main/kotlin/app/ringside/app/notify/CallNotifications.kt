package app.ringside.app.notify

import android.app.Notification
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.app.Person
import android.content.Context
import android.content.Intent
import android.media.AudioAttributes
import android.media.RingtoneManager
import android.os.Build

/**
 * The call notifications: a `CallStyle` incoming-call notification with a full-screen intent
 * (the lock-screen ringer), degrading to a heads-up notification when the user or the system
 * withdrew full-screen intents (Android 14: `canUseFullScreenIntent()`), and an ongoing-call one
 * for the foreground service.
 */
class CallNotifications(private val context: Context) {
    private val manager = context.getSystemService(NotificationManager::class.java)

    init {
        val ringing = NotificationChannel(CHANNEL_INCOMING, "Incoming calls", NotificationManager.IMPORTANCE_HIGH).apply {
            setSound(
                RingtoneManager.getDefaultUri(RingtoneManager.TYPE_RINGTONE),
                AudioAttributes.Builder().setUsage(AudioAttributes.USAGE_NOTIFICATION_RINGTONE).setContentType(AudioAttributes.CONTENT_TYPE_SONIFICATION).build(),
            )
            enableVibration(true)
            lockscreenVisibility = Notification.VISIBILITY_PUBLIC
        }
        val ongoing = NotificationChannel(CHANNEL_ONGOING, "Ongoing calls", NotificationManager.IMPORTANCE_DEFAULT).apply { setSound(null, null) }
        manager.createNotificationChannels(listOf(ringing, ongoing))
    }

    /** Full-screen intents are allowed (always before Android 14; a permission after). */
    fun canRingFullScreen(): Boolean = Build.VERSION.SDK_INT < 34 || manager.canUseFullScreenIntent()

    fun incoming(callId: String, caller: String): Notification {
        val person = Person.Builder().setName(caller).setImportant(true).build()
        val builder = Notification.Builder(context, CHANNEL_INCOMING)
            .setSmallIcon(android.R.drawable.sym_call_incoming)
            .setContentTitle(caller)
            .setContentText("Incoming call")
            .setCategory(Notification.CATEGORY_CALL)
            .setOngoing(true)
            .setContentIntent(openApp(callId))
            .setStyle(Notification.CallStyle.forIncomingCall(person, action(callId, CallActionReceiver.DECLINE), action(callId, CallActionReceiver.ANSWER)))
        // Without the full-screen permission the same notification shows as a heads-up banner.
        if (canRingFullScreen()) builder.setFullScreenIntent(openApp(callId), true)
        return builder.build()
    }

    fun ongoing(callId: String, peer: String): Notification {
        val person = Person.Builder().setName(peer).setImportant(true).build()
        return Notification.Builder(context, CHANNEL_ONGOING)
            .setSmallIcon(android.R.drawable.sym_call_outgoing)
            .setContentTitle(peer)
            .setCategory(Notification.CATEGORY_CALL)
            .setOngoing(true)
            .setUsesChronometer(true)
            .setContentIntent(openApp(callId))
            .setStyle(Notification.CallStyle.forOngoingCall(person, action(callId, CallActionReceiver.HANGUP)))
            .build()
    }

    fun showIncoming(callId: String, caller: String) = manager.notify(NOTIFICATION_ID, incoming(callId, caller))

    fun showOngoing(callId: String, peer: String) = manager.notify(NOTIFICATION_ID, ongoing(callId, peer))

    fun cancel(callId: String) = manager.cancel(NOTIFICATION_ID)

    private fun openApp(callId: String): PendingIntent {
        // MainActivity lives with the androidx glue (app/src/google): named, not imported.
        val intent = Intent().setClassName(context, "app.ringside.app.MainActivity")
            .putExtra(EXTRA_CALL_ID, callId)
            .addFlags(Intent.FLAG_ACTIVITY_NEW_TASK or Intent.FLAG_ACTIVITY_SINGLE_TOP)
        return PendingIntent.getActivity(context, callId.hashCode(), intent, PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT)
    }

    private fun action(callId: String, what: String): PendingIntent {
        val intent = Intent(context, CallActionReceiver::class.java).setAction(what).putExtra(EXTRA_CALL_ID, callId)
        return PendingIntent.getBroadcast(context, (what + callId).hashCode(), intent, PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT)
    }

    companion object {
        const val CHANNEL_INCOMING = "incoming-calls"
        const val CHANNEL_ONGOING = "ongoing-calls"
        /** One call notification at a time: the foreground service owns it. */
        const val NOTIFICATION_ID = 1
        const val EXTRA_CALL_ID = "app.ringside.CALL_ID"
    }
}
