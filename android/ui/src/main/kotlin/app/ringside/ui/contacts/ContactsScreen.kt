package app.ringside.ui.contacts

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
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.unit.dp
import app.ringside.core.api.Contact
import app.ringside.core.api.ContactSource
import app.ringside.ui.common.EmptyNote
import app.ringside.ui.common.Initials
import app.ringside.ui.common.RingsideColors
import app.ringside.ui.common.Tags
import app.ringside.ui.common.TitleBar

/** Contacts from the address book and the company directory; each number is a call button. */
@Composable
fun ContactsScreen(
    state: ContactsState,
    onQuery: (String) -> Unit,
    onCall: (String) -> Unit,
    onSyncDirectory: () -> Unit,
    modifier: Modifier = Modifier,
) {
    Column(modifier.fillMaxSize()) {
        TitleBar("Contacts") {
            TextButton(onClick = onSyncDirectory, enabled = !state.syncing, modifier = Modifier.testTag(Tags.CONTACTS_SYNC)) {
                Text(if (state.syncing) "Syncing…" else "Sync directory")
            }
        }
        OutlinedTextField(
            value = state.query,
            onValueChange = onQuery,
            singleLine = true,
            label = { Text("Search name or number") },
            modifier = Modifier.fillMaxWidth().padding(horizontal = 16.dp).testTag(Tags.CONTACTS_SEARCH),
        )
        state.error?.let { Text(it, color = MaterialTheme.colorScheme.error, modifier = Modifier.padding(16.dp)) }
        if (state.contacts.isEmpty() && !state.loading) {
            EmptyNote(if (state.query.isBlank()) "No contacts yet: sync the directory or allow the address book." else "Nobody matches “${state.query}”.")
        }
        LazyColumn(Modifier.fillMaxSize()) {
            items(state.contacts, key = { it.id }) { contact ->
                ContactRow(contact, onCall)
                HorizontalDivider()
            }
        }
    }
}

@Composable
private fun ContactRow(contact: Contact, onCall: (String) -> Unit) {
    Row(Modifier.fillMaxWidth().padding(horizontal = 16.dp, vertical = 8.dp).testTag(Tags.contact(contact.id)), verticalAlignment = Alignment.CenterVertically) {
        Initials(contact.name)
        Spacer(Modifier.width(12.dp))
        Column(Modifier.weight(1f)) {
            Text(contact.name, style = MaterialTheme.typography.bodyLarge)
            val org = listOfNotNull(contact.organization, if (contact.source == ContactSource.DIRECTORY) "Directory" else null)
            if (org.isNotEmpty()) Text(org.joinToString(" · "), color = RingsideColors.Muted, style = MaterialTheme.typography.bodySmall)
            for (n in contact.numbers) {
                TextButton(onClick = { onCall(n.number) }, modifier = Modifier.testTag(Tags.contactCall(n.number))) {
                    Text(listOfNotNull(n.label, n.number).joinToString("  "))
                }
            }
        }
    }
}
