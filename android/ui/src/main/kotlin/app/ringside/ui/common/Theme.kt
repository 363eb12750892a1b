package app.ringside.ui.common

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.shape.CircleShape
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.lightColorScheme
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.draw.clip
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import androidx.compose.ui.unit.sp

/** Ringside's colours: the same on the phone and on the desktop test renderer. */
object RingsideColors {
    val Brand = Color(0xFF1B5E9A)
    val Accept = Color(0xFF2E7D32)
    val Reject = Color(0xFFC62828)
    val Warning = Color(0xFFB26A00)
    val Muted = Color(0xFF5F6368)
}

@Composable
fun RingsideTheme(content: @Composable () -> Unit) {
    MaterialTheme(
        colorScheme = lightColorScheme(primary = RingsideColors.Brand, error = RingsideColors.Reject),
    ) {
        Surface(color = MaterialTheme.colorScheme.background, content = content)
    }
}

/** A round avatar with the caller's initials. */
@Composable
fun Initials(name: String, size: Int = 40, modifier: Modifier = Modifier, onDark: Boolean = false) {
    val letters = name.split(' ', '.', '@').filter { it.isNotBlank() }.take(2).joinToString("") { it.first().uppercase() }
    Box(
        modifier.size(size.dp).clip(CircleShape).background(if (onDark) Color.White.copy(alpha = 0.18f) else RingsideColors.Brand.copy(alpha = 0.15f)),
        contentAlignment = Alignment.Center,
    ) {
        Text(letters.ifEmpty { "#" }, color = if (onDark) Color.White else RingsideColors.Brand, fontWeight = FontWeight.Bold, fontSize = (size / 2.6).sp)
    }
}

/** A screen's title bar. */
@Composable
fun TitleBar(title: String, modifier: Modifier = Modifier, actions: @Composable () -> Unit = {}) {
    Row(
        modifier.fillMaxWidth().padding(horizontal = 16.dp, vertical = 12.dp),
        verticalAlignment = Alignment.CenterVertically,
        horizontalArrangement = Arrangement.SpaceBetween,
    ) {
        Text(title, style = MaterialTheme.typography.headlineSmall, fontWeight = FontWeight.SemiBold)
        actions()
    }
}

/** The line a list shows when it has nothing to show, saying why. */
@Composable
fun EmptyNote(text: String, modifier: Modifier = Modifier) {
    Column(modifier.fillMaxWidth().padding(32.dp), horizontalAlignment = Alignment.CenterHorizontally) {
        Text(text, color = RingsideColors.Muted)
    }
}

/** Wall-clock time as the lists show it (UTC on the desktop tests, so screenshots are stable). */
fun formatTime(ms: Long, zone: java.time.ZoneId = java.time.ZoneId.systemDefault()): String =
    java.time.format.DateTimeFormatter.ofPattern("d MMM HH:mm").withZone(zone).format(java.time.Instant.ofEpochMilli(ms))
