package app.ringside.ui.voicemail

import app.ringside.core.api.CallService
import app.ringside.core.api.CoreException
import app.ringside.core.api.Playback
import app.ringside.core.api.Voicemail
import app.ringside.core.api.VoicemailPlayer
import app.ringside.core.api.VoicemailService
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.launchIn
import kotlinx.coroutines.flow.onEach
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

data class VoicemailState(
    val messages: List<Voicemail> = emptyList(),
    val playing: String? = null,
    val newMessages: Int = 0,
    val syncing: Boolean = false,
    val error: String? = null,
)

/** The voicemail box: play marks a message heard (as the desk phone's mailbox does), sync fetches. */
class VoicemailPresenter(
    private val voicemail: VoicemailService,
    private val player: VoicemailPlayer,
    private val calls: CallService,
    private val scope: CoroutineScope,
) {
    private val mutable = MutableStateFlow(VoicemailState())
    val state: StateFlow<VoicemailState> = mutable

    init {
        player.playback.onEach { p -> mutable.update { it.copy(playing = (p as? Playback.Playing)?.voicemailId) } }.launchIn(scope)
        // A new MWI count means the mailbox changed: reload what the core has.
        voicemail.mwi.onEach { m ->
            mutable.update { it.copy(newMessages = m.newMessages) }
            reload()
        }.launchIn(scope)
    }

    private suspend fun reload() {
        try {
            val list = voicemail.list()
            mutable.update { it.copy(messages = list, error = null) }
        } catch (e: CoreException) {
            mutable.update { it.copy(error = e.message) }
        }
    }

    private fun run(action: suspend () -> Unit) {
        scope.launch {
            try {
                action()
                reload()
            } catch (e: CoreException) {
                mutable.update { it.copy(error = e.message) }
            }
        }
    }

    fun onPlay(id: String) {
        if (state.value.playing == id) {
            player.stop()
            return
        }
        run {
            val path = voicemail.audioPath(id)
            player.play(id, path)
            voicemail.setHeard(id, true)
        }
    }

    fun onToggleHeard(id: String) {
        val message = state.value.messages.firstOrNull { it.id == id } ?: return
        run { voicemail.setHeard(id, !message.heard) }
    }

    fun onDelete(id: String) {
        if (state.value.playing == id) player.stop()
        run { voicemail.delete(id) }
    }

    fun onCallBack(number: String) = run { calls.dial(number) }

    fun onSync() {
        mutable.update { it.copy(syncing = true) }
        scope.launch {
            try {
                voicemail.sync()
                reload()
            } catch (e: CoreException) {
                mutable.update { it.copy(error = e.message) }
            }
            mutable.update { it.copy(syncing = false) }
        }
    }
}
