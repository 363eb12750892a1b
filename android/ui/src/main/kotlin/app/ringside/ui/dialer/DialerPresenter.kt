package app.ringside.ui.dialer

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

data class Suggestion(val contactId: String, val name: String, val number: String, val label: String?)

data class DialerState(
    val number: String = "",
    val suggestions: List<Suggestion> = emptyList(),
    val error: String? = null,
    val dialing: Boolean = false,
)

/**
 * The keypad with type-ahead: every change of the number searches the contacts (debounced: a
 * fast typist should not queue a search per digit), and picking a suggestion fills its number.
 */
class DialerPresenter(
    private val calls: CallService,
    private val contacts: ContactsService,
    private val scope: CoroutineScope,
    private val debounceMs: Long = 150,
) {
    private val mutable = MutableStateFlow(DialerState())
    val state: StateFlow<DialerState> = mutable
    private var search: Job? = null

    fun onKey(key: Char) = setNumber(state.value.number + key)

    fun onBackspace() = setNumber(state.value.number.dropLast(1))

    fun onNumberChanged(number: String) = setNumber(number.filter { it.isLetterOrDigit() || it in "+*#@._-" })

    fun onSuggestion(suggestion: Suggestion) {
        search?.cancel()
        mutable.update { it.copy(number = suggestion.number, suggestions = emptyList()) }
    }

    fun onCall() {
        val target = state.value.number
        if (target.isBlank() || state.value.dialing) return
        mutable.update { it.copy(dialing = true, error = null) }
        scope.launch {
            try {
                calls.dial(target)
                mutable.update { DialerState() }
            } catch (e: CoreException) {
                mutable.update { it.copy(dialing = false, error = e.message) }
            }
        }
    }

    private fun setNumber(number: String) {
        mutable.update { it.copy(number = number, error = null, suggestions = if (number.isEmpty()) emptyList() else it.suggestions) }
        search?.cancel()
        if (number.isEmpty()) return
        search = scope.launch {
            delay(debounceMs)
            val found = try {
                contacts.search(number, 5)
            } catch (e: CoreException) {
                emptyList()
            }
            mutable.update { if (it.number == number) it.copy(suggestions = found.flatMap { c -> c.suggestions(number) }.take(5)) else it }
        }
    }

    /** Typed digits match numbers: offer the numbers that contain them; a typed name offers them all. */
    private fun Contact.suggestions(typed: String): List<Suggestion> {
        val digits = typed.filter { it.isDigit() }
        val matching = if (digits.length == typed.length) numbers.filter { n -> n.number.filter { it.isDigit() }.contains(digits) } else emptyList()
        return matching.ifEmpty { numbers }.map { Suggestion(id, name, it.number, it.label) }
    }
}
