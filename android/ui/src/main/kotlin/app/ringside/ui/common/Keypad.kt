package app.ringside.ui.common

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.shape.CircleShape
import androidx.compose.material3.FilledTonalButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import androidx.compose.ui.unit.sp

private val ROWS = listOf("123", "456", "789", "*0#")
private val LETTERS = mapOf('2' to "ABC", '3' to "DEF", '4' to "GHI", '5' to "JKL", '6' to "MNO", '7' to "PQRS", '8' to "TUV", '9' to "WXYZ", '0' to "+")

/** The twelve-key pad, shared by the dialer and the in-call DTMF pad. */
@Composable
fun Keypad(onKey: (Char) -> Unit, tag: (Char) -> String, modifier: Modifier = Modifier, keySize: Int = 68) {
    Column(modifier, verticalArrangement = Arrangement.spacedBy(8.dp), horizontalAlignment = Alignment.CenterHorizontally) {
        for (row in ROWS) {
            Row(horizontalArrangement = Arrangement.spacedBy(16.dp)) {
                for (key in row) {
                    FilledTonalButton(onClick = { onKey(key) }, shape = CircleShape, contentPadding = PaddingValues(0.dp), modifier = Modifier.size(keySize.dp).testTag(tag(key))) {
                        Column(horizontalAlignment = Alignment.CenterHorizontally) {
                            Text(key.toString(), fontSize = 24.sp, fontWeight = FontWeight.Medium)
                            Text(LETTERS[key] ?: " ", fontSize = 9.sp)
                        }
                    }
                }
            }
        }
    }
}
