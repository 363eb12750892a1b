package app.ringside.core.test

import app.ringside.core.api.AccountService
import app.ringside.core.api.AccountStatus
import app.ringside.core.api.AppSettings
import app.ringside.core.api.AudioRoute
import app.ringside.core.api.AudioRouter
import app.ringside.core.api.AudioRoutes
import app.ringside.core.api.CallHistory
import app.ringside.core.api.Contact
import app.ringside.core.api.ContactCard
import app.ringside.core.api.ContactSource
import app.ringside.core.api.ContactsService
import app.ringside.core.api.CoreException
import app.ringside.core.api.HistoryService
import app.ringside.core.api.Mwi
import app.ringside.core.api.Playback
import app.ringside.core.api.ProvisionedAccount
import app.ringside.core.api.ProvisioningParser
import app.ringside.core.api.RegistrationStatus
import app.ringside.core.api.SecretKind
import app.ringside.core.api.SecretStore
import app.ringside.core.api.SettingsService
import app.ringside.core.api.SettingsStore
import app.ringside.core.api.SipAccount
import app.ringside.core.api.Voicemail
import app.ringside.core.api.VoicemailPlayer
import app.ringside.core.api.VoicemailService
import java.net.URI
import java.net.URLDecoder
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow

class InMemorySecretStore : SecretStore {
    private val secrets = java.util.concurrent.ConcurrentHashMap<Pair<SecretKind, String>, String>()
    override fun password(kind: SecretKind, account: String): String? = secrets[kind to account]
    override fun setPassword(kind: SecretKind, account: String, password: String?) {
        if (password == null) secrets.remove(kind to account) else secrets[kind to account] = password
    }
}

/** Accounts that register at once unless [failWith] is set. */
class FakeAccountService(val secrets: SecretStore = InMemorySecretStore()) : AccountService {
    private val state = MutableStateFlow<List<AccountStatus>>(emptyList())
    override val accounts: StateFlow<List<AccountStatus>> = state
    var failWith: RegistrationStatus.Failed? = null

    fun setStatus(key: String, status: RegistrationStatus) {
        state.value = state.value.map { if (it.key == key) it.copy(registration = status) else it }
    }

    override suspend fun save(account: SipAccount, password: String?) {
        if (account.username.isBlank() || account.domain.isBlank()) throw CoreException.InvalidInput("username and domain are required")
        if (password != null) secrets.setPassword(SecretKind.SIP, account.key, password)
        val status = failWith ?: RegistrationStatus.Registered(600, push = false)
        state.value = state.value.filterNot { it.key == account.key } + AccountStatus(account.key, account, status)
    }

    override suspend fun remove(key: String) {
        secrets.setPassword(SecretKind.SIP, key, null)
        state.value = state.value.filterNot { it.key == key }
    }
}

/**
 * The provisioning formats of the core's parser (ffi contract): `ringside:account?...` and
 * `https://host/.../provision?...`; enough for presenters' and screens' tests.
 */
class FakeProvisioningParser : ProvisioningParser {
    override fun parse(input: String): ProvisionedAccount {
        val text = input.trim()
        val uri = runCatching { URI(text) }.getOrNull() ?: throw CoreException.InvalidInput("not a link")
        val query = when {
            uri.scheme == "ringside" -> uri.schemeSpecificPart.substringAfter('?', "")
            uri.scheme == "https" && (uri.path ?: "").endsWith("/provision") -> uri.rawQuery ?: ""
            else -> throw CoreException.InvalidInput("not a ringside: or https provisioning link")
        }
        val keys = query.split('&').filter { '=' in it }.associate {
            URLDecoder.decode(it.substringBefore('='), "UTF-8") to URLDecoder.decode(it.substringAfter('='), "UTF-8")
        }
        val username = keys["username"] ?: throw CoreException.InvalidInput("missing username")
        val domain = keys["domain"] ?: throw CoreException.InvalidInput("missing domain")
        return ProvisionedAccount(username, domain, keys["proxy"], keys["password"], keys["display_name"])
    }
}

class FakeContactsService(var contacts: List<Contact> = emptyList()) : ContactsService {
    val searches = mutableListOf<String>()
    var syncs = 0

    override suspend fun search(query: String, limit: Int): List<Contact> {
        searches += query
        val q = query.trim().lowercase()
        if (q.isEmpty()) return contacts.sortedBy { it.name }.take(limit)
        val digits = q.filter { it.isDigit() }
        return contacts.filter { c ->
            c.name.lowercase().split(' ').any { it.startsWith(q) } || c.name.lowercase().startsWith(q) ||
                (digits.isNotEmpty() && digits.length == q.length && c.numbers.any { n -> n.number.filter { it.isDigit() }.contains(digits) })
        }.sortedBy { it.name }.take(limit)
    }

    override suspend fun lookupNumber(number: String): Contact? = contacts.firstOrNull { c -> c.numbers.any { it.number == number } }

    override suspend fun importDevice(cards: List<ContactCard>): Int {
        contacts = contacts.filter { it.source != ContactSource.DEVICE } + cards.mapIndexed { i, card ->
            Contact("device-$i", card.name, card.organization, card.numbers, ContactSource.DEVICE)
        }
        return cards.size
    }

    override suspend fun syncDirectory() {
        syncs++
    }
}

class FakeHistoryService(initial: CallHistory = CallHistory.EMPTY) : HistoryService {
    val state = MutableStateFlow(initial)
    override val history: StateFlow<CallHistory> = state
    override suspend fun markSeen() {
        state.value = CallHistory(state.value.entries.map { it.copy(seen = true) }, 0)
    }
}

class FakeVoicemailService(messages: List<Voicemail> = emptyList()) : VoicemailService {
    private var messages = messages
    val mwiState = MutableStateFlow(Mwi("1001@pbx.test", messages.count { !it.heard }, messages.count { it.heard }))
    override val mwi: StateFlow<Mwi> = mwiState
    var syncs = 0

    override suspend fun list(): List<Voicemail> = messages.sortedByDescending { it.receivedMs }
    override suspend fun audioPath(id: String): String {
        if (messages.none { it.id == id }) throw CoreException.NotFound(id)
        return "/tmp/voicemail-$id.wav"
    }
    override suspend fun setHeard(id: String, heard: Boolean) {
        messages = messages.map { if (it.id == id) it.copy(heard = heard) else it }
        mwiState.value = mwiState.value.copy(newMessages = messages.count { !it.heard }, oldMessages = messages.count { it.heard })
    }
    override suspend fun delete(id: String) {
        messages = messages.filterNot { it.id == id }
    }
    override suspend fun sync() {
        syncs++
    }
}

class FakeAudioRouter(available: List<AudioRoute> = listOf(AudioRoute.EARPIECE, AudioRoute.SPEAKER, AudioRoute.BLUETOOTH)) : AudioRouter {
    private val state = MutableStateFlow(AudioRoutes(available.first(), available))
    override val routes: StateFlow<AudioRoutes> = state
    override fun select(route: AudioRoute) {
        if (route in state.value.available) state.value = state.value.copy(current = route)
    }
}

class FakeVoicemailPlayer : VoicemailPlayer {
    private val state = MutableStateFlow<Playback>(Playback.Stopped)
    override val playback: StateFlow<Playback> = state
    val played = mutableListOf<String>()
    override fun play(voicemailId: String, path: String) {
        played += path
        state.value = Playback.Playing(voicemailId, 0, null)
    }
    override fun stop() {
        state.value = Playback.Stopped
    }
}

class FakeSettingsStore(initial: AppSettings = AppSettings()) : SettingsStore {
    private val state = MutableStateFlow(initial)
    override val settings: StateFlow<AppSettings> = state
    override suspend fun update(settings: AppSettings) {
        state.value = settings
    }
}

/** The core's settings as applied: every [apply] is recorded; [refuseWith] makes it fail. */
class FakeSettingsService : SettingsService {
    val applied = mutableListOf<AppSettings>()
    var refuseWith: CoreException? = null
    /** Runs at each [apply], as the core reading its passwords when it restarts would. */
    var onApply: (AppSettings) -> Unit = {}

    override suspend fun apply(settings: AppSettings) {
        refuseWith?.let { throw it }
        onApply(settings)
        applied += settings
    }
}
