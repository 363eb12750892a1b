package app.ringside.ui.contacts

import app.ringside.core.api.CallService
import app.ringside.core.api.Contact
import app.ringside.core.api.ContactsService
import app.ringside.core.api.CoreException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

data class ContactsState(
    val query: String = "",
    val contacts: List<Contact> = emptyList(),
    val loading: Boolean = false,
    val syncing: Boolean = false,
    val error: String? = null,
)

/** The address book and the company directory, searched as the user types; a number calls. */
class ContactsPresenter(
    private val contacts: ContactsService,
    private val calls: CallService,
    private val scope: CoroutineScope,
    private val debounceMs: Long = 150,
) {
    private val mutable = MutableStateFlow(ContactsState())
    val state: StateFlow<ContactsState> = mutable
    private var search: Job? = null

    init {
        load("", 0)
    }

    fun onQuery(query: String) {
        mutable.update { it.copy(query = query) }
        load(query, debounceMs)
    }

    fun onCall(number: String) {
        scope.launch {
            try {
                calls.dial(number)
            } catch (e: CoreException) {
                mutable.update { it.copy(error = e.message) }
            }
        }
    }

    fun onSyncDirectory() {
        mutable.update { it.copy(syncing = true, error = null) }
        scope.launch {
            try {
                contacts.syncDirectory()
                mutable.update { it.copy(syncing = false) }
                load(state.value.query, 0)
            } catch (e: CoreException) {
                mutable.update { it.copy(syncing = false, error = e.message) }
            }
        }
    }

    private fun load(query: String, wait: Long) {
        search?.cancel()
        search = scope.launch {
            if (wait > 0) delay(wait)
            mutable.update { it.copy(loading = true) }
            try {
                val found = contacts.search(query, 200)
                mutable.update { if (it.query == query) it.copy(contacts = found, loading = false, error = null) else it }
            } catch (e: CoreException) {
                mutable.update { it.copy(loading = false, error = e.message) }
            }
        }
    }
}
