package app.ringside.ui.registration

import androidx.compose.foundation.background
import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.shape.CircleShape
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.draw.clip
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.unit.dp
import app.ringside.ui.common.RingsideColors
import app.ringside.ui.common.Tags
import app.ringside.ui.common.TitleBar

fun Health.color(): Color = when (this) {
    Health.OK -> RingsideColors.Accept
    Health.WORKING -> RingsideColors.Warning
    Health.PROBLEM -> RingsideColors.Reject
    Health.NONE -> RingsideColors.Muted
}

/** The one-line status on top of every tab; a tap opens the details. */
@Composable
fun RegistrationBanner(state: RegistrationState, onOpen: () -> Unit, modifier: Modifier = Modifier) {
    Row(
        modifier.fillMaxWidth().background(state.health.color().copy(alpha = 0.12f)).clickable(onClick = onOpen)
            .padding(horizontal = 16.dp, vertical = 8.dp).testTag(Tags.REGISTRATION_BANNER),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        Dot(state.health)
        Spacer(Modifier.width(8.dp))
        Text(state.summary, style = MaterialTheme.typography.bodyMedium)
    }
}

@Composable
private fun Dot(health: Health) {
    Box(Modifier.size(10.dp).clip(CircleShape).background(health.color()))
}

/** Every account's registration, with the reason and the next retry when it failed. */
@Composable
fun RegistrationScreen(state: RegistrationState, onClose: () -> Unit, modifier: Modifier = Modifier) {
    Column(modifier.fillMaxSize()) {
        TitleBar("Connection") { TextButton(onClick = onClose) { Text("Done") } }
        if (state.lines.isEmpty()) Text("No account set up.", modifier = Modifier.padding(16.dp), color = RingsideColors.Muted)
        for (line in state.lines) {
            Row(Modifier.fillMaxWidth().padding(16.dp).testTag(Tags.registrationLine(line.key)), verticalAlignment = Alignment.CenterVertically) {
                Dot(line.health)
                Spacer(Modifier.width(12.dp))
                Column {
                    Text(line.label, style = MaterialTheme.typography.bodyLarge)
                    if (line.label != line.key) Text(line.key, color = RingsideColors.Muted, style = MaterialTheme.typography.bodySmall)
                    Text(line.detail, color = line.health.color())
                }
            }
        }
    }
}
