package app.ringside.ui.call

import androidx.compose.foundation.background
import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material3.Button
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.draw.clip
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import androidx.compose.ui.unit.sp
import app.ringside.core.api.AudioRoute
import app.ringside.core.api.CallStatus
import app.ringside.ui.common.Initials
import app.ringside.ui.common.Keypad
import app.ringside.ui.common.RingsideColors
import app.ringside.ui.common.Tags

/** Events of the in-call screen, one per control. */
class InCallActions(
    val onHangup: () -> Unit,
    val onToggleHold: () -> Unit,
    val onToggleMute: () -> Unit,
    val onRoute: (AudioRoute) -> Unit,
    val onToggleKeypad: () -> Unit,
    val onDtmf: (Char) -> Unit,
    val onStartTarget: (TargetMode) -> Unit,
    val onTargetChanged: (String) -> Unit,
    val onConfirmTarget: () -> Unit,
    val onCancelTarget: () -> Unit,
    val onSwap: (String) -> Unit,
    val onCompleteAttendedTransfer: () -> Unit,
)

fun AudioRoute.label(): String = when (this) {
    AudioRoute.EARPIECE -> "Phone"
    AudioRoute.SPEAKER -> "Speaker"
    AudioRoute.BLUETOOTH -> "Bluetooth"
    AudioRoute.WIRED_HEADSET -> "Headset"
}

/** The call in front, its controls, and the other (held) calls. */
@Composable
fun InCallScreen(state: CallScreenState, actions: InCallActions, modifier: Modifier = Modifier) {
    val call = state.current ?: return
    Column(modifier.fillMaxSize().padding(16.dp).testTag(Tags.IN_CALL_SCREEN), horizontalAlignment = Alignment.CenterHorizontally) {
        for (other in state.others) {
            Row(
                Modifier.fillMaxWidth().clip(RoundedCornerShape(8.dp)).background(RingsideColors.Warning.copy(alpha = 0.12f))
                    .clickable { actions.onSwap(other.id) }.padding(12.dp).testTag(Tags.otherCall(other.id)),
                verticalAlignment = Alignment.CenterVertically,
            ) {
                Text("${other.title} · ${other.statusText}", modifier = Modifier.weight(1f))
                Text("Swap", color = RingsideColors.Brand, fontWeight = FontWeight.SemiBold)
            }
            Spacer(Modifier.height(8.dp))
        }
        Spacer(Modifier.height(24.dp))
        Initials(call.title, 88)
        Spacer(Modifier.height(12.dp))
        Text(call.title, fontSize = 28.sp, fontWeight = FontWeight.SemiBold, modifier = Modifier.testTag(Tags.IN_CALL_PEER))
        call.subtitle?.let { Text(it, color = RingsideColors.Muted) }
        Text(call.statusText, color = if (call.onHold) RingsideColors.Warning else RingsideColors.Muted, modifier = Modifier.testTag(Tags.IN_CALL_STATUS))
        state.error?.let { Text(it, color = MaterialTheme.colorScheme.error) }
        Spacer(Modifier.height(16.dp))
        if (state.keypadOpen) {
            Text(state.dtmfSent, fontSize = 24.sp, modifier = Modifier.testTag(Tags.IN_CALL_DTMF))
            Keypad(onKey = actions.onDtmf, tag = Tags::dtmfKey, keySize = 60)
            TextButton(onClick = actions.onToggleKeypad, modifier = Modifier.testTag(Tags.IN_CALL_KEYPAD)) { Text("Hide keypad") }
        } else if (state.targetMode != null) {
            TargetForm(state, actions)
        } else {
            Controls(state, actions)
        }
        Spacer(Modifier.weight(1f))
        if (state.canCompleteAttendedTransfer) {
            OutlinedButton(onClick = actions.onCompleteAttendedTransfer, modifier = Modifier.testTag(Tags.IN_CALL_COMPLETE_TRANSFER)) {
                Text("Transfer ${state.others.first().title} to ${call.title}")
            }
            Spacer(Modifier.height(8.dp))
        }
        RoundAction("Hang up", "✕", RingsideColors.Reject, MaterialTheme.colorScheme.onSurface, Tags.IN_CALL_HANGUP, actions.onHangup, size = 68)
        Spacer(Modifier.height(8.dp))
    }
}

@Composable
private fun Controls(state: CallScreenState, actions: InCallActions) {
    val call = state.current ?: return
    val connected = call.status == CallStatus.Active || call.status is CallStatus.Held
    Column(verticalArrangement = Arrangement.spacedBy(10.dp), horizontalAlignment = Alignment.CenterHorizontally) {
        Row(horizontalArrangement = Arrangement.spacedBy(10.dp)) {
            Toggle(if (call.muted) "Unmute" else "Mute", call.muted, Tags.IN_CALL_MUTE, actions.onToggleMute)
            Toggle(if (call.onHold) "Resume" else "Hold", call.onHold, Tags.IN_CALL_HOLD, actions.onToggleHold, enabled = connected)
            Toggle("Keypad", false, Tags.IN_CALL_KEYPAD, actions.onToggleKeypad)
        }
        Row(horizontalArrangement = Arrangement.spacedBy(10.dp)) {
            Toggle("Transfer", false, Tags.IN_CALL_TRANSFER, { actions.onStartTarget(TargetMode.BLIND_TRANSFER) }, enabled = connected)
            Toggle("Add call", false, Tags.IN_CALL_ADD_CALL, { actions.onStartTarget(TargetMode.ADD_CALL) }, enabled = connected)
        }
        Row(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            for (route in state.routes.available) {
                FilterChip(
                    selected = route == state.routes.current,
                    onClick = { actions.onRoute(route) },
                    label = { Text(route.label()) },
                    modifier = Modifier.testTag(Tags.route(route.name)),
                )
            }
        }
    }
}

@Composable
private fun Toggle(label: String, on: Boolean, tag: String, onClick: () -> Unit, enabled: Boolean = true) {
    if (on) {
        Button(onClick = onClick, enabled = enabled, modifier = Modifier.width(108.dp).testTag(tag)) { Text(label) }
    } else {
        OutlinedButton(onClick = onClick, enabled = enabled, modifier = Modifier.width(108.dp).testTag(tag)) { Text(label) }
    }
}

@Composable
private fun TargetForm(state: CallScreenState, actions: InCallActions) {
    val blind = state.targetMode == TargetMode.BLIND_TRANSFER
    Column(Modifier.fillMaxWidth(), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text(if (blind) "Transfer ${state.current?.title} to:" else "Call someone else (this call is held):")
        OutlinedTextField(
            value = state.target,
            onValueChange = actions.onTargetChanged,
            singleLine = true,
            label = { Text("Number or extension") },
            modifier = Modifier.fillMaxWidth().testTag(Tags.IN_CALL_TARGET),
        )
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            OutlinedButton(onClick = actions.onCancelTarget, modifier = Modifier.testTag(Tags.IN_CALL_TARGET_CANCEL)) { Text("Cancel") }
            Button(onClick = actions.onConfirmTarget, enabled = state.target.isNotBlank(), modifier = Modifier.testTag(Tags.IN_CALL_TARGET_GO)) {
                Text(if (blind) "Transfer" else "Call")
            }
        }
    }
}
