package app.ringside.ui.call

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.shape.CircleShape
import androidx.compose.material3.Button
import androidx.compose.material3.ButtonDefaults
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import androidx.compose.ui.unit.sp
import app.ringside.ui.common.Initials
import app.ringside.ui.common.RingsideColors
import app.ringside.ui.common.Tags

/**
 * A call ringing here. Decline sends 486 so the desk phone keeps ringing (the usual case: "not on
 * my mobile"); "Decline everywhere" sends 603. [inCallWith] names the call answering would hold.
 */
@Composable
fun IncomingCallScreen(
    call: CallUi,
    inCallWith: String?,
    onAnswer: () -> Unit,
    onDecline: () -> Unit,
    onDeclineEverywhere: () -> Unit,
    modifier: Modifier = Modifier,
) {
    Column(
        modifier.fillMaxSize().background(Color(0xFF102A43)).padding(24.dp).testTag(Tags.INCOMING_SCREEN),
        horizontalAlignment = Alignment.CenterHorizontally,
    ) {
        Spacer(Modifier.height(48.dp))
        Text("Incoming call", color = Color.White.copy(alpha = 0.7f))
        Spacer(Modifier.height(24.dp))
        Initials(call.title, 96, onDark = true)
        Spacer(Modifier.height(16.dp))
        Text(call.title, color = Color.White, fontSize = 30.sp, fontWeight = FontWeight.SemiBold, modifier = Modifier.testTag(Tags.INCOMING_CALLER))
        call.subtitle?.let { Text(it, color = Color.White.copy(alpha = 0.8f), fontSize = 18.sp) }
        inCallWith?.let {
            Spacer(Modifier.height(12.dp))
            Text("Answering puts $it on hold", color = Color.White.copy(alpha = 0.8f))
        }
        Spacer(Modifier.weight(1f))
        Row(horizontalArrangement = Arrangement.spacedBy(64.dp)) {
            RoundAction("Decline", "✕", RingsideColors.Reject, Color.White, Tags.INCOMING_DECLINE, onDecline)
            RoundAction("Answer", "✆", RingsideColors.Accept, Color.White, Tags.INCOMING_ANSWER, onAnswer)
        }
        Spacer(Modifier.height(16.dp))
        TextButton(onClick = onDeclineEverywhere, modifier = Modifier.testTag(Tags.INCOMING_DECLINE_EVERYWHERE)) {
            Text("Decline everywhere", color = Color.White)
        }
        Spacer(Modifier.height(24.dp))
    }
}

@Composable
internal fun RoundAction(label: String, glyph: String, color: Color, labelColor: Color, tag: String, onClick: () -> Unit, size: Int = 76) {
    Column(horizontalAlignment = Alignment.CenterHorizontally) {
        Button(
            onClick = onClick,
            shape = CircleShape,
            colors = ButtonDefaults.buttonColors(containerColor = color),
            modifier = Modifier.size(size.dp).testTag(tag),
        ) {
            Text(glyph, fontSize = 26.sp, color = Color.White)
        }
        Spacer(Modifier.height(6.dp))
        Text(label, color = labelColor)
    }
}
