package app.ringside.core.impl

import app.ringside.core.api.AccountService
import app.ringside.core.api.AccountStatus
import app.ringside.core.api.AppSettings
import app.ringside.core.api.Call
import app.ringside.core.api.CallHistory
import app.ringside.core.api.CallService
import app.ringside.core.api.Contact
import app.ringside.core.api.ContactCard
import app.ringside.core.api.ContactsService
import app.ringside.core.api.HistoryService
import app.ringside.core.api.Mwi
import app.ringside.core.api.ProvisioningParser
import app.ringside.core.api.PushHint
import app.ringside.core.api.RingsideCore
import app.ringside.core.api.SecretKind
import app.ringside.core.api.SecretStore
import app.ringside.core.api.SettingsService
import app.ringside.core.api.SipAccount
import app.ringside.core.api.Voicemail
import app.ringside.core.api.VoicemailService
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow
import uniffi.ringside_ffi.AccountInfo
import uniffi.ringside_ffi.AudioBridge
import uniffi.ringside_ffi.CallInfo
import uniffi.ringside_ffi.CallsListener
import uniffi.ringside_ffi.History
import uniffi.ringside_ffi.HistoryListener
import uniffi.ringside_ffi.LogLevel
import uniffi.ringside_ffi.LogSink
import uniffi.ringside_ffi.MwiListener
import uniffi.ringside_ffi.Phone
import uniffi.ringside_ffi.PhoneSettings
import uniffi.ringside_ffi.PushProvider
import uniffi.ringside_ffi.PushToken
import uniffi.ringside_ffi.RegistrationListener
import uniffi.ringside_ffi.Subscription
import uniffi.ringside_ffi.formatNumber as ffiFormatNumber
import uniffi.ringside_ffi.parseProvisioning as ffiParseProvisioning
import uniffi.ringside_ffi.startPhone
import uniffi.ringside_ffi.SecretKind as FfiSecretKind
import uniffi.ringside_ffi.SecretStore as FfiSecretStore

/** Where the core keeps its database and which accounts it starts with. */
data class CoreConfig(
    val dataDir: String,
    val accounts: List<SipAccount>,
    val settings: AppSettings,
    val fcmToken: String? = null,
    val fcmProjectId: String? = null,
    val userAgent: String? = null,
    /** Test peers on 127.0.0.1 need no DNS; phones leave this empty (the system resolver). */
    val dnsServers: List<String> = emptyList(),
)

/** The shell's secrets, handed to the core when it asks (from the core's threads). */
private class SecretBridge(private val secrets: SecretStore) : FfiSecretStore {
    override fun password(kind: FfiSecretKind, account: String): String? = secrets.password(kind.toCore(), account)
}

/**
 * One subscription as a Flow: the listener's first call is the current state, then every change;
 * the Subscription is cancelled (and its handle freed) when the collector goes away. Conflated:
 * a slow collector only needs the newest state, never a backlog of old ones.
 */
internal fun <T> subscription(subscribe: (emit: (T) -> Unit) -> Subscription): Flow<T> = callbackFlow {
    val handle = subscribe { value -> trySend(value) }
    awaitClose {
        handle.cancel()
        handle.close()
    }
}.buffer(kotlinx.coroutines.channels.Channel.CONFLATED)

/**
 * core-api over the generated uniffi bindings (package `uniffi.ringside_ffi`, ffi-api.md).
 * Suspend functions map to the core's async functions (they run on its runtime); every Flow is a
 * core subscription. [onAccountsChanged] lets the shell persist the account list it restarts with.
 */
class UniffiRingsideCore private constructor(
    private val phone: Phone,
    private val defaultRegion: String,
    private val secrets: SecretStore,
    private val onAccountsChanged: (List<SipAccount>) -> Unit,
) : RingsideCore {
    override val calls: CallService = Calls()
    override val accounts: AccountService = Accounts()
    override val contacts: ContactsService = Contacts()
    override val history: HistoryService = Histories()
    override val voicemail: VoicemailService = Voicemails()
    override val settings: SettingsService = Settings()
    override val provisioning: ProvisioningParser = Provisioning

    override fun formatNumber(number: String): String = ffiFormatNumber(number, defaultRegion)

    override fun handlePush(payload: ByteArray): PushHint = phone.handlePush(payload).toCore()

    override suspend fun setPushToken(fcmToken: String?, projectId: String?) = coreCall {
        phone.setPushToken(fcmToken?.let { PushToken(provider = PushProvider.FCM, prid = it, param = projectId) })
    }

    override fun networkChanged() = phone.networkChanged()

    override suspend fun shutdown() {
        coreCall { phone.shutdown(2_000uL) }
        phone.close()
    }

    private inner class Calls : CallService {
        override val calls: Flow<List<Call>> = subscription { emit ->
            phone.subscribeCalls(object : CallsListener {
                override fun onCalls(calls: List<CallInfo>) = emit(calls.map { it.toCore() })
            })
        }
        override suspend fun dial(target: String, account: String?): String = coreCall { phone.call(account, target) }
        override suspend fun answer(call: String) = coreCall { phone.answer(call) }
        override suspend fun decline(call: String, everywhere: Boolean) = coreCall { phone.decline(call, everywhere) }
        override suspend fun hangup(call: String) = coreCall { phone.hangup(call) }
        override suspend fun hold(call: String) = coreCall { phone.hold(call) }
        override suspend fun resume(call: String) = coreCall { phone.resume(call) }
        override suspend fun mute(call: String, on: Boolean) = coreCall { phone.mute(call, on) }
        override suspend fun sendDtmf(call: String, digits: String) = coreCall { phone.sendDtmf(call, digits) }
        override suspend fun transferBlind(call: String, target: String) = coreCall { phone.transferBlind(call, target) }
        override suspend fun transferAttended(call: String, other: String) = coreCall { phone.transferAttended(call, other) }
    }

    private inner class Accounts : AccountService {
        override val accounts: Flow<List<AccountStatus>> = subscription { emit ->
            phone.subscribeRegistrations(object : RegistrationListener {
                override fun onRegistrations(accounts: List<AccountInfo>) = emit(accounts.map { it.toCore() })
            })
        }

        override suspend fun save(account: SipAccount, password: String?) {
            // The password first: the core asks for it as soon as it registers the account.
            if (password != null) secrets.setPassword(SecretKind.SIP, account.key, password)
            coreCall {
                if (phone.accounts().any { it.key == account.key }) phone.updateAccount(account.toFfi()) else phone.addAccount(account.toFfi())
            }
            onAccountsChanged(phone.accounts().map { it.account.toCore() })
        }

        override suspend fun remove(key: String) {
            coreCall { phone.removeAccount(key) }
            secrets.setPassword(SecretKind.SIP, key, null)
            onAccountsChanged(phone.accounts().map { it.account.toCore() })
        }
    }

    private inner class Contacts : ContactsService {
        override suspend fun search(query: String, limit: Int): List<Contact> = coreCall { phone.searchContacts(query, limit.toUInt()) }.map { it.toCore() }
        override suspend fun lookupNumber(number: String): Contact? = coreCall { phone.lookupNumber(number) }?.toCore()
        override suspend fun importDevice(cards: List<ContactCard>): Int = coreCall { phone.importContacts(cards.map { it.toFfi() }) }.imported.toInt()
        override suspend fun syncDirectory() {
            coreCall { phone.syncDirectory() }
        }
    }

    private inner class Histories : HistoryService {
        override val history: Flow<CallHistory> = subscription { emit ->
            phone.subscribeHistory(object : HistoryListener {
                override fun onHistory(history: History) = emit(history.toCore())
            })
        }
        override suspend fun markSeen() = coreCall { phone.markHistorySeen() }
    }

    private inner class Voicemails : VoicemailService {
        override val mwi: Flow<Mwi> = subscription { emit ->
            phone.subscribeMwi(object : MwiListener {
                override fun onMwi(account: String, newMessages: UInt, oldMessages: UInt) = emit(Mwi(account, newMessages.toInt(), oldMessages.toInt()))
            })
        }
        override suspend fun list(): List<Voicemail> = coreCall { phone.voicemails() }.map { it.toCore() }
        override suspend fun audioPath(id: String): String = coreCall { phone.voicemailAudio(id) }
        override suspend fun setHeard(id: String, heard: Boolean) = coreCall { phone.setVoicemailHeard(id, heard) }
        override suspend fun delete(id: String) = coreCall { phone.deleteVoicemail(id) }
        override suspend fun sync() {
            coreCall { phone.syncVoicemail() }
        }
    }

    private inner class Settings : SettingsService {
        override suspend fun apply(settings: AppSettings) = coreCall { phone.updateSettings(settings.toFfi()) }
    }

    /** The core's parser of `ringside:` and https provisioning links (shared with iOS). */
    object Provisioning : ProvisioningParser {
        override fun parse(input: String) = core { ffiParseProvisioning(input) }.toCore()
    }

    companion object {
        /**
         * Starts the core: binds sockets, opens the database, registers every account.
         * [log] receives the core's tracing (logcat on Android, stderr in tests). Without
         * [audio] the core drives the device itself (Oboe on Android, silence on a desktop);
         * with it, the shell pushes the microphone's and pulls the speaker's PCM (the JVM
         * tests do, to prove that a call's audio flows both ways).
         */
        suspend fun start(
            config: CoreConfig,
            secrets: SecretStore,
            log: ((level: String, target: String, message: String) -> Unit)? = null,
            onAccountsChanged: (List<SipAccount>) -> Unit = {},
            audio: AudioBridge? = null,
        ): UniffiRingsideCore {
            val s = config.settings.toFfi()
            val settings = PhoneSettings(
                dataDir = config.dataDir,
                accounts = config.accounts.map { it.toFfi() },
                codecs = s.codecs,
                srtp = s.srtp,
                busyWhenInCall = s.busyWhenInCall,
                dnsServers = config.dnsServers,
                push = config.fcmToken?.let { PushToken(provider = PushProvider.FCM, prid = it, param = config.fcmProjectId) },
                userAgent = config.userAgent,
                tlsCaFile = null,
                defaultRegion = s.defaultRegion,
                directory = s.directory,
                voicemail = s.voicemail,
            )
            val sink = log?.let { f ->
                object : LogSink {
                    override fun log(level: LogLevel, target: String, message: String) = f(level.name, target, message)
                }
            }
            val phone = coreCall { startPhone(settings, SecretBridge(secrets), sink, audio) }
            return UniffiRingsideCore(phone, config.settings.defaultRegion, secrets, onAccountsChanged)
        }
    }
}
