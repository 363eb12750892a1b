package app.ringside.app.audio

import android.content.Context
import android.media.AudioAttributes
import android.media.AudioDeviceCallback
import android.media.AudioDeviceInfo
import android.media.AudioFocusRequest
import android.media.AudioManager
import android.os.Build
import android.telecom.CallEndpoint
import app.ringside.core.api.AudioRoute
import app.ringside.core.api.AudioRoutes
import app.ringside.core.api.AudioRouter
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow

/**
 * Call audio routing and focus. Android 12+ routes with `setCommunicationDevice` over the
 * devices the system offers for calls; before that, speakerphone and Bluetooth SCO by hand.
 * Oboe inside the core opens its streams with the voice-communication usage, so the route set
 * here is the one it plays to.
 */
class AndroidAudioRouter(context: Context) : AudioRouter {
    private val audio = context.getSystemService(AudioManager::class.java)
    private val state = MutableStateFlow(AudioRoutes(AudioRoute.EARPIECE, listOf(AudioRoute.EARPIECE, AudioRoute.SPEAKER)))
    override val routes: StateFlow<AudioRoutes> = state
    private var focus: AudioFocusRequest? = null

    init {
        audio.registerAudioDeviceCallback(object : AudioDeviceCallback() {
            override fun onAudioDevicesAdded(added: Array<out AudioDeviceInfo>) = refresh()
            override fun onAudioDevicesRemoved(removed: Array<out AudioDeviceInfo>) = refresh()
        }, null)
        refresh()
    }

    /** Call audio starts: take focus (other apps duck or pause) and the communication mode. */
    fun startCall() {
        val attributes = AudioAttributes.Builder().setUsage(AudioAttributes.USAGE_VOICE_COMMUNICATION).setContentType(AudioAttributes.CONTENT_TYPE_SPEECH).build()
        val request = AudioFocusRequest.Builder(AudioManager.AUDIOFOCUS_GAIN_TRANSIENT).setAudioAttributes(attributes).build()
        audio.requestAudioFocus(request)
        focus = request
        audio.mode = AudioManager.MODE_IN_COMMUNICATION
        refresh()
    }

    fun endCall() {
        if (Build.VERSION.SDK_INT >= 31) audio.clearCommunicationDevice() else {
            @Suppress("DEPRECATION")
            audio.isSpeakerphoneOn = false
            @Suppress("DEPRECATION")
            audio.stopBluetoothSco()
        }
        audio.mode = AudioManager.MODE_NORMAL
        focus?.let { audio.abandonAudioFocusRequest(it) }
        focus = null
    }

    override fun select(route: AudioRoute) {
        if (Build.VERSION.SDK_INT >= 31) {
            val device = audio.availableCommunicationDevices.firstOrNull { routeOf(it.type) == route } ?: return
            audio.setCommunicationDevice(device)
        } else {
            @Suppress("DEPRECATION")
            when (route) {
                AudioRoute.SPEAKER -> { audio.stopBluetoothSco(); audio.isBluetoothScoOn = false; audio.isSpeakerphoneOn = true }
                AudioRoute.BLUETOOTH -> { audio.isSpeakerphoneOn = false; audio.startBluetoothSco(); audio.isBluetoothScoOn = true }
                AudioRoute.EARPIECE, AudioRoute.WIRED_HEADSET -> { audio.stopBluetoothSco(); audio.isBluetoothScoOn = false; audio.isSpeakerphoneOn = false }
            }
        }
        state.value = state.value.copy(current = route)
    }

    /** Telecom (API 34) moved the call to another endpoint, e.g. a headset's button. */
    fun onTelecomEndpoint(type: Int) {
        val route = when (type) {
            CallEndpoint.TYPE_SPEAKER -> AudioRoute.SPEAKER
            CallEndpoint.TYPE_BLUETOOTH -> AudioRoute.BLUETOOTH
            CallEndpoint.TYPE_WIRED_HEADSET -> AudioRoute.WIRED_HEADSET
            else -> AudioRoute.EARPIECE
        }
        state.value = state.value.copy(current = route)
    }

    private fun refresh() {
        if (Build.VERSION.SDK_INT >= 31) {
            val available = audio.availableCommunicationDevices.mapNotNull { routeOf(it.type) }.distinct().sortedBy { it.ordinal }
            val current = audio.communicationDevice?.let { routeOf(it.type) } ?: available.firstOrNull() ?: AudioRoute.EARPIECE
            state.value = AudioRoutes(current, available.ifEmpty { listOf(AudioRoute.EARPIECE) })
        } else {
            val outputs = audio.getDevices(AudioManager.GET_DEVICES_OUTPUTS).mapNotNull { routeOf(it.type) }
            val available = (listOf(AudioRoute.EARPIECE, AudioRoute.SPEAKER) + outputs).distinct().sortedBy { it.ordinal }
            state.value = state.value.copy(available = available)
        }
    }

    private fun routeOf(type: Int): AudioRoute? = when (type) {
        AudioDeviceInfo.TYPE_BUILTIN_EARPIECE -> AudioRoute.EARPIECE
        AudioDeviceInfo.TYPE_BUILTIN_SPEAKER -> AudioRoute.SPEAKER
        AudioDeviceInfo.TYPE_BLUETOOTH_SCO, AudioDeviceInfo.TYPE_BLE_HEADSET -> AudioRoute.BLUETOOTH
        AudioDeviceInfo.TYPE_WIRED_HEADSET, AudioDeviceInfo.TYPE_WIRED_HEADPHONES, AudioDeviceInfo.TYPE_USB_HEADSET -> AudioRoute.WIRED_HEADSET
        else -> null
    }
}
