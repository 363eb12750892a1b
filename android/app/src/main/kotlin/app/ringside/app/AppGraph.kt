package app.ringside.app

import android.content.Context
import app.ringside.app.audio.AndroidAudioRouter
import app.ringside.app.audio.MediaVoicemailPlayer
import app.ringside.app.contacts.DeviceAddressBook
import app.ringside.app.net.NetworkWatcher
import app.ringside.app.notify.CallNotifications
import app.ringside.app.secret.KeystoreSecretStore
import app.ringside.app.settings.PrefsSettingsStore
import app.ringside.app.telecom.TelecomCalls
import app.ringside.core.api.AppSettings
import app.ringside.core.api.RingsideCore
import app.ringside.core.api.SecretStore
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking

/** How the app starts its core: core-impl over the uniffi bindings (app/src/core) or a fake. */
fun interface CoreStarter {
    suspend fun start(context: Context, settings: AppSettings, secrets: SecretStore): RingsideCore
}

/**
 * The process-wide objects: one core per process (design §2), the platform services the
 * presenters and the core use, and Telecom's view of the calls. Built once by the Application.
 */
class AppGraph(val context: Context, private val starter: CoreStarter) {
    val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    val secrets: SecretStore = KeystoreSecretStore(context)
    val settings = PrefsSettingsStore(context)
    val router = AndroidAudioRouter(context)
    val player = MediaVoicemailPlayer()
    val notifications = CallNotifications(context)

    @Volatile private var started: RingsideCore? = null

    /**
     * The running core, started on first use. A push may wake the process with no Activity:
     * the FCM callback needs the core synchronously, and starting it only binds sockets and
     * opens the database (the core's registration runs on its own threads).
     */
    fun core(): RingsideCore = started ?: synchronized(this) {
        started ?: runBlocking { starter.start(context, settings.settings.value, secrets) }.also {
            started = it
            telecom.watch(it.calls, scope)
            NetworkWatcher(context) { it.networkChanged() }.start()
            DeviceAddressBook(context, it.contacts).also { book -> addressBook = book }.watch(scope)
        }
    }

    /** Null until the core started; [onContactsPermissionGranted] imports when it is given later. */
    @Volatile private var addressBook: DeviceAddressBook? = null

    /** The user just allowed READ_CONTACTS: caller ID by the address book from now on. */
    fun onContactsPermissionGranted() {
        val book = addressBook ?: return
        scope.launch { runCatching { book.importNow() } }
    }

    val telecom: TelecomCalls by lazy { TelecomCalls(context, notifications) { core().calls } }

    companion object {
        @Volatile private var instance: AppGraph? = null
        fun install(graph: AppGraph) {
            instance = graph
        }
        fun get(): AppGraph = instance ?: error("AppGraph.install was not called by the Application")
    }
}
