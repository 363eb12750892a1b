package app.ringside.app.permissions

import android.Manifest
import android.app.Activity
import android.app.NotificationManager
import android.content.Context
import android.content.Intent
import android.content.pm.PackageManager
import android.net.Uri
import android.os.Build
import android.provider.Settings

/** The runtime permissions and the one special access a softphone needs, asked in context. */
object Permissions {
    /** At first start: the microphone for calls, notifications to ring (Android 13+). */
    fun forCalls(): List<String> = buildList {
        add(Manifest.permission.RECORD_AUDIO)
        if (Build.VERSION.SDK_INT >= 33) add(Manifest.permission.POST_NOTIFICATIONS)
        if (Build.VERSION.SDK_INT >= 31) add(Manifest.permission.BLUETOOTH_CONNECT)
    }

    /** When the user opens Contacts: caller ID and search over the device's address book. */
    const val CONTACTS = Manifest.permission.READ_CONTACTS

    /** Only when the user taps "Scan QR code". */
    const val CAMERA = Manifest.permission.CAMERA

    fun missing(context: Context, permissions: List<String>) = permissions.filter { context.checkSelfPermission(it) != PackageManager.PERMISSION_GRANTED }

    fun request(activity: Activity, permissions: List<String>, requestCode: Int): Boolean {
        val missing = missing(activity, permissions)
        if (missing.isNotEmpty()) activity.requestPermissions(missing.toTypedArray(), requestCode)
        return missing.isEmpty()
    }

    /**
     * Android 14 grants full-screen intents only to calling and alarm apps the user allowed;
     * without it calls ring as a heads-up notification. This opens the setting's page.
     */
    fun fullScreenIntentSettings(context: Context): Intent? {
        if (Build.VERSION.SDK_INT < 34) return null
        if (context.getSystemService(NotificationManager::class.java).canUseFullScreenIntent()) return null
        return Intent(Settings.ACTION_MANAGE_APP_USE_FULL_SCREEN_INTENT, Uri.parse("package:" + context.packageName))
    }
}
