package app.ringside.app.settings

import android.content.Context
import app.ringside.core.api.AppSettings
import app.ringside.core.api.Codec
import app.ringside.core.api.SettingsStore
import app.ringside.core.api.SrtpMode
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow

/** App settings in private SharedPreferences (no secrets here: those go to the Keystore store). */
class PrefsSettingsStore(context: Context) : SettingsStore {
    private val prefs = context.getSharedPreferences("ringside.settings", Context.MODE_PRIVATE)
    private val state = MutableStateFlow(read())
    override val settings: StateFlow<AppSettings> = state

    private fun read(): AppSettings {
        val d = AppSettings()
        return AppSettings(
            srtp = prefs.getString("srtp", null)?.let { runCatching { SrtpMode.valueOf(it) }.getOrNull() } ?: d.srtp,
            codecs = prefs.getString("codecs", null)?.split(',')?.mapNotNull { runCatching { Codec.valueOf(it) }.getOrNull() }?.ifEmpty { null } ?: d.codecs,
            busyWhenInCall = prefs.getBoolean("busyWhenInCall", d.busyWhenInCall),
            defaultRegion = prefs.getString("defaultRegion", null) ?: d.defaultRegion,
            directoryUrl = prefs.getString("directoryUrl", null) ?: d.directoryUrl,
            directoryUsername = prefs.getString("directoryUsername", null) ?: d.directoryUsername,
            voicemailImapUrl = prefs.getString("voicemailImapUrl", null) ?: d.voicemailImapUrl,
            voicemailUsername = prefs.getString("voicemailUsername", null) ?: d.voicemailUsername,
            voicemailFolder = prefs.getString("voicemailFolder", null) ?: d.voicemailFolder,
        )
    }

    override suspend fun update(settings: AppSettings) {
        prefs.edit()
            .putString("srtp", settings.srtp.name)
            .putString("codecs", settings.codecs.joinToString(",") { it.name })
            .putBoolean("busyWhenInCall", settings.busyWhenInCall)
            .putString("defaultRegion", settings.defaultRegion)
            .putString("directoryUrl", settings.directoryUrl)
            .putString("directoryUsername", settings.directoryUsername)
            .putString("voicemailImapUrl", settings.voicemailImapUrl)
            .putString("voicemailUsername", settings.voicemailUsername)
            .putString("voicemailFolder", settings.voicemailFolder)
            .apply()
        state.value = settings
    }
}
