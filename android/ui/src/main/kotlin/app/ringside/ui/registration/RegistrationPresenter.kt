package app.ringside.ui.registration

import app.ringside.core.api.AccountService
import app.ringside.core.api.RegistrationStatus
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.SharingStarted
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.flow.stateIn

enum class Health { OK, WORKING, PROBLEM, NONE }

data class AccountLine(val key: String, val label: String, val detail: String, val health: Health)

data class RegistrationState(val lines: List<AccountLine> = emptyList()) {
    /** The worst account's health: what the banner shows. */
    val health: Health
        get() = when {
            lines.isEmpty() -> Health.NONE
            lines.any { it.health == Health.PROBLEM } -> Health.PROBLEM
            lines.any { it.health == Health.WORKING } -> Health.WORKING
            else -> Health.OK
        }
    val summary: String
        get() = when (health) {
            Health.NONE -> "No account"
            Health.OK -> "Ready: calls ring here"
            Health.WORKING -> "Connecting…"
            Health.PROBLEM -> lines.first { it.health == Health.PROBLEM }.detail
        }
}

/** Whether calls can reach this phone, per account, in words a user acts on. */
class RegistrationPresenter(accounts: AccountService, scope: CoroutineScope) {
    val state: StateFlow<RegistrationState> = accounts.accounts
        .map { list -> RegistrationState(list.map { AccountLine(it.key, it.account.displayName ?: it.key, describe(it.registration), health(it.registration)) }) }
        .stateIn(scope, SharingStarted.Eagerly, RegistrationState())

    companion object {
        fun health(status: RegistrationStatus) = when (status) {
            is RegistrationStatus.Registered -> Health.OK
            RegistrationStatus.Registering -> Health.WORKING
            RegistrationStatus.Unregistered, is RegistrationStatus.Failed -> Health.PROBLEM
        }

        fun describe(status: RegistrationStatus): String = when (status) {
            is RegistrationStatus.Registered ->
                if (status.push) "Registered · wakes by push" else "Registered · renews in ${status.expiresSeconds / 60} min"
            RegistrationStatus.Registering -> "Registering…"
            RegistrationStatus.Unregistered -> "Not registered"
            is RegistrationStatus.Failed -> {
                val why = when (status.code) {
                    401, 403, 407 -> "Wrong username or password"
                    0 -> "Can't reach the server"
                    else -> "Refused (${status.code} ${status.reason})"
                }
                val retry = status.retryInMs?.let { " · retrying in ${(it + 999) / 1000} s" } ?: ""
                why + retry
            }
        }
    }
}
