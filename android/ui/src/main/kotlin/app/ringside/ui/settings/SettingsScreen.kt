package app.ringside.ui.settings

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.Checkbox
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Switch
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.ui.text.input.VisualTransformation
import androidx.compose.ui.unit.dp
import app.ringside.core.api.Codec
import app.ringside.core.api.SrtpMode
import app.ringside.ui.common.RingsideColors
import app.ringside.ui.common.Tags
import app.ringside.ui.common.TitleBar

class SettingsActions(
    val onSrtp: (SrtpMode) -> Unit,
    val onCodec: (Codec, Boolean) -> Unit,
    val onCodecUp: (Codec) -> Unit,
    val onBusyWhenInCall: (Boolean) -> Unit,
    val onText: (SettingsField, String) -> Unit,
    val onSave: () -> Unit,
    val onRemoveAccount: (String) -> Unit,
    val onAddAccount: () -> Unit,
)

@Composable
fun SettingsScreen(state: SettingsState, actions: SettingsActions, modifier: Modifier = Modifier) {
    val d = state.draft
    Column(modifier.fillMaxSize().verticalScroll(rememberScrollState())) {
        TitleBar("Settings") {
            Button(onClick = actions.onSave, enabled = state.dirty, modifier = Modifier.testTag(Tags.SETTINGS_SAVE)) { Text("Save") }
        }
        Column(Modifier.padding(horizontal = 16.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
            Heading("Accounts")
            for (a in state.accounts) {
                Row(Modifier.fillMaxWidth(), verticalAlignment = Alignment.CenterVertically) {
                    Column(Modifier.weight(1f)) {
                        Text(a.key)
                        Text(a.account.proxy?.let { "via $it" } ?: "proxy from DNS", color = RingsideColors.Muted, style = MaterialTheme.typography.bodySmall)
                    }
                    TextButton(onClick = { actions.onRemoveAccount(a.key) }, modifier = Modifier.testTag(Tags.settingsRemove(a.key))) {
                        Text("Sign out", color = RingsideColors.Reject)
                    }
                }
            }
            TextButton(onClick = actions.onAddAccount, modifier = Modifier.testTag(Tags.SETTINGS_ADD_ACCOUNT)) { Text("Add an account") }

            Heading("Call security (SRTP)")
            Row(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
                for (mode in SrtpMode.entries) {
                    FilterChip(
                        selected = d.srtp == mode,
                        onClick = { actions.onSrtp(mode) },
                        label = { Text(mode.name.lowercase().replaceFirstChar { it.uppercase() }) },
                        modifier = Modifier.testTag(Tags.settingsSrtp(mode.name)),
                    )
                }
            }
            Heading("Codecs, in the order offered")
            val order = d.codecs + Codec.entries.filterNot { it in d.codecs }
            for (codec in order) {
                Row(verticalAlignment = Alignment.CenterVertically) {
                    Checkbox(checked = codec in d.codecs, onCheckedChange = { actions.onCodec(codec, it) }, modifier = Modifier.testTag(Tags.settingsCodec(codec.name)))
                    Text(codec.label(), modifier = Modifier.weight(1f))
                    if (d.codecs.indexOf(codec) > 0) TextButton(onClick = { actions.onCodecUp(codec) }) { Text("Move up") }
                }
            }
            Row(verticalAlignment = Alignment.CenterVertically) {
                Column(Modifier.weight(1f)) {
                    Text("Busy while in a call")
                    Text("A second caller gets busy and the desk phone takes it", color = RingsideColors.Muted, style = MaterialTheme.typography.bodySmall)
                }
                Switch(checked = d.busyWhenInCall, onCheckedChange = actions.onBusyWhenInCall, modifier = Modifier.testTag(Tags.SETTINGS_BUSY))
            }
            TextRow("Default country (for numbers)", d.defaultRegion, null) { actions.onText(SettingsField.REGION, it) }
            Heading("Company directory (CardDAV)")
            TextRow("Address book URL", d.directoryUrl, Tags.SETTINGS_DIRECTORY_URL) { actions.onText(SettingsField.DIRECTORY_URL, it) }
            TextRow("Username", d.directoryUsername, null) { actions.onText(SettingsField.DIRECTORY_USERNAME, it) }
            TextRow("Password (stored encrypted)", state.directoryPassword, null, secret = true) { actions.onText(SettingsField.DIRECTORY_PASSWORD, it) }
            Heading("Voicemail mailbox (IMAP)")
            TextRow("Server (imaps://host:993)", d.voicemailImapUrl, Tags.SETTINGS_VOICEMAIL_URL) { actions.onText(SettingsField.VOICEMAIL_URL, it) }
            TextRow("Username", d.voicemailUsername, null) { actions.onText(SettingsField.VOICEMAIL_USERNAME, it) }
            TextRow("Password (stored encrypted)", state.voicemailPassword, null, secret = true) { actions.onText(SettingsField.VOICEMAIL_PASSWORD, it) }
            TextRow("Folder", d.voicemailFolder, null) { actions.onText(SettingsField.VOICEMAIL_FOLDER, it) }
            state.error?.let { Text(it, color = MaterialTheme.colorScheme.error) }
        }
    }
}

private fun Codec.label() = when (this) {
    Codec.OPUS -> "Opus (wideband)"
    Codec.PCMU -> "G.711 µ-law"
    Codec.PCMA -> "G.711 A-law"
}

@Composable
private fun Heading(text: String) {
    Text(text, style = MaterialTheme.typography.titleSmall, color = RingsideColors.Brand, modifier = Modifier.padding(top = 12.dp))
}

@Composable
private fun TextRow(label: String, value: String, tag: String?, secret: Boolean = false, onChange: (String) -> Unit) {
    OutlinedTextField(
        value = value,
        onValueChange = onChange,
        singleLine = true,
        visualTransformation = if (secret) PasswordVisualTransformation() else VisualTransformation.None,
        label = { Text(label) },
        modifier = Modifier.fillMaxWidth().let { if (tag != null) it.testTag(tag) else it },
    )
}
