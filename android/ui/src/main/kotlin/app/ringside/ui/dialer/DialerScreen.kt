package app.ringside.ui.dialer

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.shape.CircleShape
import androidx.compose.foundation.text.BasicTextField
import androidx.compose.material3.Button
import androidx.compose.material3.ButtonDefaults
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.text.TextStyle
import androidx.compose.ui.text.style.TextAlign
import androidx.compose.ui.unit.dp
import androidx.compose.ui.unit.sp
import app.ringside.ui.common.Initials
import app.ringside.ui.common.Keypad
import app.ringside.ui.common.RingsideColors
import app.ringside.ui.common.Tags

/** The keypad, the number typed so far, and the contacts it matches. */
@Composable
fun DialerScreen(
    state: DialerState,
    onKey: (Char) -> Unit,
    onBackspace: () -> Unit,
    onNumberChanged: (String) -> Unit,
    onSuggestion: (Suggestion) -> Unit,
    onCall: () -> Unit,
    modifier: Modifier = Modifier,
) {
    Column(modifier.fillMaxSize().padding(16.dp), horizontalAlignment = Alignment.CenterHorizontally) {
        Column(Modifier.fillMaxWidth().weight(1f), verticalArrangement = Arrangement.Bottom) {
            for (s in state.suggestions) {
                Row(
                    Modifier.fillMaxWidth().clickable { onSuggestion(s) }.padding(vertical = 6.dp).testTag(Tags.DIALER_SUGGESTION),
                    verticalAlignment = Alignment.CenterVertically,
                ) {
                    Initials(s.name, 32)
                    Spacer(Modifier.width(12.dp))
                    Column {
                        Text(s.name, style = MaterialTheme.typography.bodyLarge)
                        Text(listOfNotNull(s.label, s.number).joinToString(" · "), color = RingsideColors.Muted, style = MaterialTheme.typography.bodySmall)
                    }
                }
            }
        }
        Row(verticalAlignment = Alignment.CenterVertically) {
            // Balances the backspace key so the number stays centred.
            Spacer(Modifier.width(48.dp))
            BasicTextField(
                value = state.number,
                onValueChange = onNumberChanged,
                singleLine = true,
                textStyle = TextStyle(fontSize = 32.sp, textAlign = TextAlign.Center),
                modifier = Modifier.weight(1f).testTag(Tags.DIALER_NUMBER),
            )
            TextButton(onClick = onBackspace, enabled = state.number.isNotEmpty(), modifier = Modifier.width(48.dp).testTag(Tags.DIALER_BACKSPACE), contentPadding = androidx.compose.foundation.layout.PaddingValues(0.dp)) {
                Text("⌫", fontSize = 22.sp)
            }
        }
        state.error?.let { Text(it, color = MaterialTheme.colorScheme.error) }
        Spacer(Modifier.height(8.dp))
        Keypad(onKey = onKey, tag = Tags::dialerKey)
        Spacer(Modifier.height(12.dp))
        Button(
            onClick = onCall,
            enabled = state.number.isNotBlank() && !state.dialing,
            shape = CircleShape,
            colors = ButtonDefaults.buttonColors(containerColor = RingsideColors.Accept),
            modifier = Modifier.size(width = 160.dp, height = 56.dp).testTag(Tags.DIALER_CALL),
        ) {
            Text(if (state.dialing) "Calling…" else "Call", fontSize = 18.sp)
        }
    }
}
