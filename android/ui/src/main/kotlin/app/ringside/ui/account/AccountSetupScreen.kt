package app.ringside.ui.account

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.ui.unit.dp
import app.ringside.ui.common.RingsideColors
import app.ringside.ui.common.Tags
import app.ringside.ui.common.TitleBar

/**
 * The account form, in the order of the PBX's *SIP Identifiers* tab so a user copies the values
 * across one by one; or a provisioning link pasted or scanned from a QR code.
 * [onScanQr] is null where no camera exists (the desktop renderer); [onCancel] is null for the
 * first account (there is nothing to go back to), set when one more is being added.
 */
@Composable
fun AccountSetupScreen(
    state: AccountSetupState,
    onEdit: (AccountField, String) -> Unit,
    onApplyLink: () -> Unit,
    onSave: () -> Unit,
    onScanQr: (() -> Unit)?,
    modifier: Modifier = Modifier,
    onCancel: (() -> Unit)? = null,
) {
    Column(modifier.fillMaxSize().verticalScroll(rememberScrollState())) {
        TitleBar("Set up your line") {
            if (onCancel != null) TextButton(onClick = onCancel, modifier = Modifier.testTag(Tags.ACCOUNT_CANCEL)) { Text("Cancel") }
        }
        Column(Modifier.padding(horizontal = 16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            Text("Copy the four values from your PBX's SIP Identifiers page.", color = RingsideColors.Muted)
            Field("SIP username", state.username, Tags.ACCOUNT_USERNAME, KeyboardType.Ascii) { onEdit(AccountField.USERNAME, it) }
            Field("Domain", state.domain, Tags.ACCOUNT_DOMAIN, KeyboardType.Uri) { onEdit(AccountField.DOMAIN, it) }
            OutlinedTextField(
                value = state.password,
                onValueChange = { onEdit(AccountField.PASSWORD, it) },
                label = { Text("SIP password") },
                singleLine = true,
                visualTransformation = PasswordVisualTransformation(),
                keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Password),
                modifier = Modifier.fillMaxWidth().testTag(Tags.ACCOUNT_PASSWORD),
            )
            Field("Proxy (optional)", state.proxy, Tags.ACCOUNT_PROXY, KeyboardType.Uri) { onEdit(AccountField.PROXY, it) }
            Field("Your name (optional)", state.displayName, Tags.ACCOUNT_DISPLAY_NAME, KeyboardType.Text) { onEdit(AccountField.DISPLAY_NAME, it) }
            state.error?.let { Text(it, color = MaterialTheme.colorScheme.error, modifier = Modifier.testTag(Tags.ACCOUNT_ERROR)) }
            Button(onClick = onSave, enabled = state.canSave, modifier = Modifier.fillMaxWidth().testTag(Tags.ACCOUNT_SAVE)) {
                Text(if (state.saving) "Connecting…" else "Save and connect")
            }
            Spacer(Modifier.height(8.dp))
            HorizontalDivider()
            Text("Or use the link or QR code your administrator sent", style = MaterialTheme.typography.titleSmall)
            OutlinedTextField(
                value = state.link,
                onValueChange = { onEdit(AccountField.LINK, it) },
                label = { Text("ringside: or https link") },
                singleLine = true,
                isError = state.linkError != null,
                supportingText = state.linkError?.let { { Text(it) } },
                modifier = Modifier.fillMaxWidth().testTag(Tags.ACCOUNT_LINK),
            )
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                OutlinedButton(onClick = onApplyLink, enabled = state.link.isNotBlank(), modifier = Modifier.testTag(Tags.ACCOUNT_APPLY_LINK)) {
                    Text("Use link")
                }
                if (onScanQr != null) {
                    OutlinedButton(onClick = onScanQr, modifier = Modifier.testTag(Tags.ACCOUNT_SCAN_QR)) { Text("Scan QR code") }
                }
            }
            Spacer(Modifier.height(16.dp))
        }
    }
}

@Composable
private fun Field(label: String, value: String, tag: String, type: KeyboardType, onChange: (String) -> Unit) {
    OutlinedTextField(
        value = value,
        onValueChange = onChange,
        label = { Text(label) },
        singleLine = true,
        keyboardOptions = KeyboardOptions(keyboardType = type),
        modifier = Modifier.fillMaxWidth().testTag(tag),
    )
}
