package app.ringside.app

import android.app.Application
import android.content.Context
import android.util.Log
import app.ringside.app.telecom.PhoneAccounts
import app.ringside.core.api.SipAccount
import app.ringside.core.impl.CoreConfig
import app.ringside.core.impl.UniffiRingsideCore

/**
 * The process: registers the self-managed PhoneAccount and builds the [AppGraph] whose core is
 * core-impl over the uniffi bindings (the Rust core built by scripts/build-android).
 */
class RingsideApplication : Application() {
    override fun onCreate() {
        super.onCreate()
        PhoneAccounts.register(this)
        AppGraph.install(AppGraph(this, CoreStarter { context, settings, secrets ->
            val saved = AccountList(context)
            UniffiRingsideCore.start(
                CoreConfig(
                    dataDir = context.filesDir.resolve("core").apply { mkdirs() }.path,
                    accounts = saved.load(),
                    settings = settings,
                    fcmToken = context.getSharedPreferences("ringside.push", Context.MODE_PRIVATE).getString("token", null),
                    fcmProjectId = projectId(context),
                    userAgent = "Ringside-Android/" + context.packageManager.getPackageInfo(context.packageName, 0).versionName,
                ),
                secrets,
                log = { level, target, message -> logcat(level, target, message) },
                onAccountsChanged = saved::save,
            )
        }))
    }

    /** The FCM project, from the manifest's meta-data (the push gateway's `pn-param`). */
    private fun projectId(context: Context): String? =
        context.packageManager.getApplicationInfo(context.packageName, android.content.pm.PackageManager.GET_META_DATA)
            .metaData?.getString("app.ringside.FCM_PROJECT_ID")?.ifBlank { null }

    private fun logcat(level: String, target: String, message: String) {
        val tag = "Ringside"
        when (level) {
            "ERROR" -> Log.e(tag, "$target: $message")
            "WARN" -> Log.w(tag, "$target: $message")
            "INFO" -> Log.i(tag, "$target: $message")
            else -> Log.d(tag, "$target: $message")
        }
    }
}

/** The accounts the core starts with (no passwords: those are in the Keystore store). */
class AccountList(context: Context) {
    private val prefs = context.getSharedPreferences("ringside.accounts", Context.MODE_PRIVATE)

    fun load(): List<SipAccount> = prefs.getStringSet("keys", emptySet())!!.sorted().mapNotNull { key ->
        val username = prefs.getString("$key.username", null) ?: return@mapNotNull null
        val domain = prefs.getString("$key.domain", null) ?: return@mapNotNull null
        SipAccount(username, domain, prefs.getString("$key.proxy", null), prefs.getString("$key.displayName", null))
    }

    fun save(accounts: List<SipAccount>) {
        val edit = prefs.edit().clear().putStringSet("keys", accounts.map { it.key }.toSet())
        for (a in accounts) {
            edit.putString("${a.key}.username", a.username).putString("${a.key}.domain", a.domain)
                .putString("${a.key}.proxy", a.proxy).putString("${a.key}.displayName", a.displayName)
        }
        edit.apply()
    }
}
