package app.ringside.app

import android.content.Intent
import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.lifecycle.lifecycleScope
import app.ringside.app.permissions.Permissions
import app.ringside.ui.root.AppPresenters
import app.ringside.ui.root.RingsideApp

/**
 * The one Activity: the common-Compose app (android/ui) over the process's core. Shown over the
 * lock screen for a ringing call (the full-screen intent); opened by `ringside:` and https
 * provisioning links. Needs androidx (activity-compose, lifecycle): kept to the glue.
 */
class MainActivity : ComponentActivity() {
    private lateinit var presenters: AppPresenters

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setShowWhenLocked(true)
        setTurnScreenOn(true)
        val graph = AppGraph.get()
        presenters = AppPresenters(graph.core(), graph.router, graph.player, graph.settings, graph.secrets, lifecycleScope)
        Permissions.request(this, Permissions.forCalls(), REQUEST_CALL_PERMISSIONS)
        setContent { RingsideApp(presenters, onScanQr = ::scanQr) }
        handle(intent)
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        handle(intent)
    }

    private fun handle(intent: Intent?) {
        val link = intent?.data?.toString() ?: intent?.getStringExtra(QrScanActivity.EXTRA_TEXT) ?: return
        if (link.startsWith("ringside:") || link.startsWith("https:")) presenters.root.onProvisioningLink(link)
    }

    private fun scanQr() {
        if (Permissions.request(this, listOf(Permissions.CAMERA), REQUEST_CAMERA)) startActivityForResult(Intent(this, QrScanActivity::class.java), REQUEST_QR)
    }

    @Deprecated("the framework's result path: no androidx result API needed for one scanner")
    override fun onActivityResult(requestCode: Int, resultCode: Int, data: Intent?) {
        super.onActivityResult(requestCode, resultCode, data)
        if (requestCode == REQUEST_QR && resultCode == RESULT_OK) data?.getStringExtra(QrScanActivity.EXTRA_TEXT)?.let { presenters.root.onProvisioningLink(it) }
    }

    override fun onRequestPermissionsResult(requestCode: Int, permissions: Array<out String>, grantResults: IntArray) {
        super.onRequestPermissionsResult(requestCode, permissions, grantResults)
        if (requestCode == REQUEST_CAMERA && grantResults.all { it == android.content.pm.PackageManager.PERMISSION_GRANTED }) scanQr()
        // Android 14: ask for full-screen ringing once the basics are granted; then the address
        // book, for caller ID by name (the app works without it).
        if (requestCode == REQUEST_CALL_PERMISSIONS) {
            Permissions.fullScreenIntentSettings(this)?.let { startActivity(it) }
            Permissions.request(this, listOf(Permissions.CONTACTS), REQUEST_CONTACTS)
        }
        if (requestCode == REQUEST_CONTACTS && grantResults.all { it == android.content.pm.PackageManager.PERMISSION_GRANTED }) AppGraph.get().onContactsPermissionGranted()
    }

    private companion object {
        const val REQUEST_CALL_PERMISSIONS = 1
        const val REQUEST_CAMERA = 2
        const val REQUEST_QR = 3
        const val REQUEST_CONTACTS = 4
    }
}
