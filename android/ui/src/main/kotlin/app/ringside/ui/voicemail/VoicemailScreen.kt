package app.ringside.ui.voicemail

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import app.ringside.core.api.Voicemail
import app.ringside.ui.call.CallPresenter
import app.ringside.ui.common.EmptyNote
import app.ringside.ui.common.RingsideColors
import app.ringside.ui.common.Tags
import app.ringside.ui.common.TitleBar
import app.ringside.ui.common.formatTime
import app.ringside.ui.history.HistoryPresenter

/** The mailbox: new messages in bold; play, mark heard or new, call back, delete. */
@Composable
fun VoicemailScreen(
    state: VoicemailState,
    onPlay: (String) -> Unit,
    onToggleHeard: (String) -> Unit,
    onDelete: (String) -> Unit,
    onCallBack: (String) -> Unit,
    onSync: () -> Unit,
    modifier: Modifier = Modifier,
    zone: java.time.ZoneId = java.time.ZoneId.systemDefault(),
) {
    Column(modifier.fillMaxSize()) {
        TitleBar(if (state.newMessages > 0) "Voicemail (${state.newMessages} new)" else "Voicemail") {
            TextButton(onClick = onSync, enabled = !state.syncing, modifier = Modifier.testTag(Tags.VOICEMAIL_SYNC)) {
                Text(if (state.syncing) "Checking…" else "Check now")
            }
        }
        state.error?.let { Text(it, color = MaterialTheme.colorScheme.error, modifier = Modifier.padding(16.dp)) }
        if (state.messages.isEmpty()) EmptyNote("No messages.")
        LazyColumn(Modifier.fillMaxSize()) {
            items(state.messages, key = { it.id }) { message ->
                Message(message, state.playing == message.id, onPlay, onToggleHeard, onDelete, onCallBack, zone)
                HorizontalDivider()
            }
        }
    }
}

@Composable
private fun Message(
    message: Voicemail,
    playing: Boolean,
    onPlay: (String) -> Unit,
    onToggleHeard: (String) -> Unit,
    onDelete: (String) -> Unit,
    onCallBack: (String) -> Unit,
    zone: java.time.ZoneId,
) {
    val number = CallPresenter.displayNumber(message.caller)
    Column(Modifier.fillMaxWidth().padding(horizontal = 16.dp, vertical = 10.dp).testTag(Tags.voicemailRow(message.id))) {
        Row(verticalAlignment = Alignment.CenterVertically) {
            Column(Modifier.weight(1f)) {
                Text(message.callerName ?: number, fontWeight = if (message.heard) FontWeight.Normal else FontWeight.Bold)
                val length = message.durationMs?.let { " · " + HistoryPresenter.duration(it) } ?: ""
                Text("${formatTime(message.receivedMs, zone)}$length${if (message.heard) "" else " · new"}", color = RingsideColors.Muted, style = MaterialTheme.typography.bodySmall)
            }
            if (playing) {
                Button(onClick = { onPlay(message.id) }, modifier = Modifier.testTag(Tags.voicemailPlay(message.id))) { Text("Stop") }
            } else {
                OutlinedButton(onClick = { onPlay(message.id) }, modifier = Modifier.testTag(Tags.voicemailPlay(message.id))) { Text("Play") }
            }
        }
        Row(horizontalArrangement = Arrangement.spacedBy(4.dp)) {
            TextButton(onClick = { onToggleHeard(message.id) }, modifier = Modifier.testTag(Tags.voicemailHeard(message.id))) {
                Text(if (message.heard) "Mark new" else "Mark heard")
            }
            TextButton(onClick = { onCallBack(message.caller) }) { Text("Call back") }
            TextButton(onClick = { onDelete(message.id) }, modifier = Modifier.testTag(Tags.voicemailDelete(message.id))) {
                Text("Delete", color = RingsideColors.Reject)
            }
        }
    }
}
