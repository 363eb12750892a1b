package app.ringside.app.audio

import android.media.AudioAttributes
import android.media.MediaPlayer
import app.ringside.core.api.Playback
import app.ringside.core.api.VoicemailPlayer
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow

/** Plays a voicemail's cached WAV with MediaPlayer, one message at a time. */
class MediaVoicemailPlayer : VoicemailPlayer {
    private val state = MutableStateFlow<Playback>(Playback.Stopped)
    override val playback: StateFlow<Playback> = state
    private var player: MediaPlayer? = null

    override fun play(voicemailId: String, path: String) {
        stop()
        val p = MediaPlayer()
        p.setAudioAttributes(AudioAttributes.Builder().setUsage(AudioAttributes.USAGE_MEDIA).setContentType(AudioAttributes.CONTENT_TYPE_SPEECH).build())
        p.setDataSource(path)
        p.setOnCompletionListener { stop() }
        p.setOnPreparedListener {
            it.start()
            state.value = Playback.Playing(voicemailId, 0, it.duration.toLong())
        }
        p.prepareAsync()
        player = p
        state.value = Playback.Playing(voicemailId, 0, null)
    }

    override fun stop() {
        player?.release()
        player = null
        state.value = Playback.Stopped
    }
}
