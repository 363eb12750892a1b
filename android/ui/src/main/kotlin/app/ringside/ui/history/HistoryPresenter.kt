package app.ringside.ui.history

import app.ringside.core.api.CallDirection
import app.ringside.core.api.CallService
import app.ringside.core.api.CoreException
import app.ringside.core.api.EndReason
import app.ringside.core.api.HistoryEntry
import app.ringside.core.api.HistoryService
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.launchIn
import kotlinx.coroutines.flow.onEach
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/** One row of the call log. */
data class HistoryRow(
    val id: String,
    val title: String,
    val number: String,
    val outcome: String,
    val missed: Boolean,
    val unseen: Boolean,
    val direction: CallDirection,
    val startedMs: Long,
)

data class HistoryState(
    /** Missed calls, unseen first: what the user came to see. */
    val missed: List<HistoryRow> = emptyList(),
    /** Everything else, newest first. */
    val recent: List<HistoryRow> = emptyList(),
    val missedUnseen: Int = 0,
    val error: String? = null,
)

/**
 * The call log. The core decides what is missed (never a call answered on the desk phone: that
 * one reads "Answered elsewhere"); this presenter only orders and words it.
 */
class HistoryPresenter(
    private val history: HistoryService,
    private val calls: CallService,
    private val scope: CoroutineScope,
) {
    private val mutable = MutableStateFlow(HistoryState())
    val state: StateFlow<HistoryState> = mutable

    init {
        history.history.onEach { h ->
            val rows = h.entries.sortedByDescending { it.startedMs }.map { it.toRow() }
            mutable.update {
                it.copy(
                    missed = rows.filter { r -> r.missed }.sortedWith(compareBy<HistoryRow> { r -> !r.unseen }.thenByDescending { r -> r.startedMs }),
                    recent = rows.filterNot { r -> r.missed },
                    missedUnseen = h.missedUnseen,
                )
            }
        }.launchIn(scope)
    }

    fun onMarkSeen() {
        scope.launch {
            try {
                history.markSeen()
            } catch (e: CoreException) {
                mutable.update { it.copy(error = e.message) }
            }
        }
    }

    fun onCallBack(number: String) {
        scope.launch {
            try {
                calls.dial(number)
            } catch (e: CoreException) {
                mutable.update { it.copy(error = e.message) }
            }
        }
    }

    private fun HistoryEntry.toRow(): HistoryRow {
        val number = app.ringside.ui.call.CallPresenter.displayNumber(peer)
        return HistoryRow(id, displayName?.takeIf { it.isNotBlank() } ?: number, number, outcome(), missed, missed && !seen, direction, startedMs)
    }

    companion object {
        fun HistoryEntry.outcome(): String = when {
            missed -> "Missed"
            reason == EndReason.ANSWERED_ELSEWHERE -> "Answered elsewhere"
            reason == EndReason.DECLINED_ELSEWHERE -> "Declined elsewhere"
            reason == EndReason.BUSY -> "Busy"
            reason == EndReason.DECLINED -> if (direction == CallDirection.INCOMING) "Declined" else "Refused"
            reason == EndReason.FAILED -> "Failed"
            reason == EndReason.UNANSWERED || reason == EndReason.CANCELLED -> if (direction == CallDirection.OUTGOING) "No answer" else "Missed"
            talkMs != null -> (if (direction == CallDirection.INCOMING) "Incoming · " else "Outgoing · ") + duration(talkMs)
            else -> if (direction == CallDirection.INCOMING) "Incoming" else "Outgoing"
        }

        fun duration(ms: Long): String {
            val s = ms / 1000
            return if (s >= 3600) "%d:%02d:%02d".format(s / 3600, s / 60 % 60, s % 60) else "%d:%02d".format(s / 60, s % 60)
        }
    }
}
