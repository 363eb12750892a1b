package app.ringside.ui.history

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import app.ringside.core.api.CallDirection
import app.ringside.ui.common.EmptyNote
import app.ringside.ui.common.RingsideColors
import app.ringside.ui.common.Tags
import app.ringside.ui.common.TitleBar
import app.ringside.ui.common.formatTime

/** The call log: missed calls first (unseen in bold), then the rest; a row calls back. */
@Composable
fun HistoryScreen(
    state: HistoryState,
    onMarkSeen: () -> Unit,
    onCallBack: (String) -> Unit,
    modifier: Modifier = Modifier,
    zone: java.time.ZoneId = java.time.ZoneId.systemDefault(),
) {
    Column(modifier.fillMaxSize()) {
        TitleBar("History") {
            TextButton(onClick = onMarkSeen, enabled = state.missedUnseen > 0, modifier = Modifier.testTag(Tags.HISTORY_MARK_SEEN)) {
                Text(if (state.missedUnseen > 0) "Mark ${state.missedUnseen} seen" else "All seen")
            }
        }
        state.error?.let { Text(it, color = MaterialTheme.colorScheme.error, modifier = Modifier.padding(16.dp)) }
        if (state.missed.isEmpty() && state.recent.isEmpty()) EmptyNote("No calls yet.")
        LazyColumn(Modifier.fillMaxSize()) {
            if (state.missed.isNotEmpty()) {
                item { Section("Missed", Tags.HISTORY_MISSED) }
                items(state.missed, key = { it.id }) { HistoryItem(it, onCallBack, zone) }
            }
            if (state.recent.isNotEmpty()) {
                item { Section("Recent", Tags.HISTORY_RECENT) }
                items(state.recent, key = { it.id }) { HistoryItem(it, onCallBack, zone) }
            }
        }
    }
}

@Composable
private fun Section(title: String, tag: String) {
    Text(title, style = MaterialTheme.typography.titleSmall, color = RingsideColors.Muted, modifier = Modifier.padding(start = 16.dp, top = 12.dp, bottom = 4.dp).testTag(tag))
}

@Composable
private fun HistoryItem(row: HistoryRow, onCallBack: (String) -> Unit, zone: java.time.ZoneId) {
    Row(
        Modifier.fillMaxWidth().clickable { onCallBack(row.number) }.padding(horizontal = 16.dp, vertical = 10.dp).testTag(Tags.historyRow(row.id)),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        Text(if (row.direction == CallDirection.INCOMING) "↙" else "↗", color = if (row.missed) RingsideColors.Reject else RingsideColors.Muted)
        Spacer(Modifier.width(12.dp))
        Column(Modifier.weight(1f)) {
            Text(row.title, fontWeight = if (row.unseen) FontWeight.Bold else FontWeight.Normal, color = if (row.missed) RingsideColors.Reject else MaterialTheme.colorScheme.onSurface)
            Text(if (row.title != row.number) "${row.number} · ${row.outcome}" else row.outcome, color = RingsideColors.Muted, style = MaterialTheme.typography.bodySmall)
        }
        Text(formatTime(row.startedMs, zone), color = RingsideColors.Muted, style = MaterialTheme.typography.bodySmall)
    }
    HorizontalDivider()
}
