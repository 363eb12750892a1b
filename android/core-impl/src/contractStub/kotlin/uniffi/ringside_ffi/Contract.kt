@file:Suppress("unused", "UNUSED_PARAMETER")

package uniffi.ringside_ffi

/*
 * The shape uniffi 0.31 generates for /work/coord/ffi-api.md's contract, written by hand: the
 * names and types core-impl depends on, so core-impl type-checks (scripts/test-android) before
 * the lead's new FFI lands. Never run, never shipped: when the generated bindings provide the
 * new API, they replace this file in the compile. Every body throws.
 */

private fun stub(): Nothing = throw UnsupportedOperationException("contract stub: generate the bindings (scripts/bindings)")

enum class Codec { OPUS, PCMU, PCMA }
enum class SrtpPolicy { OFF, OPTIONAL, MANDATORY }
enum class PushProvider { APNS, FCM }
enum class CallDirection { INCOMING, OUTGOING }
enum class EndReason { LOCAL_HANGUP, REMOTE_HANGUP, ANSWERED_ELSEWHERE, DECLINED_ELSEWHERE, CANCELLED, BUSY, DECLINED, UNANSWERED, FAILED }
enum class ContactSource { DEVICE, DIRECTORY }
enum class LogLevel { ERROR, WARN, INFO, DEBUG, TRACE }
enum class SecretKind { SIP, DIRECTORY, VOICEMAIL }

data class Account(var username: String, var domain: String, var proxy: String?, var displayName: String?, var authUsername: String?, var voicemail: String?)
data class Provisioning(var username: String, var domain: String, var proxy: String?, var password: String?, var displayName: String?)
data class PushToken(var provider: PushProvider, var prid: String, var param: String?)
data class DirectorySettings(var url: String, var username: String)
data class VoicemailSettings(var imapUrl: String, var username: String, var folder: String)
data class CallSettings(
    var codecs: List<Codec>, var srtp: SrtpPolicy, var busyWhenInCall: Boolean, var defaultRegion: String?,
    var directory: DirectorySettings?, var voicemail: VoicemailSettings?,
)
data class PhoneSettings(
    var dataDir: String, var accounts: List<Account>, var codecs: List<Codec>, var srtp: SrtpPolicy,
    var busyWhenInCall: Boolean, var dnsServers: List<String>, var push: PushToken?, var userAgent: String?,
    var tlsCaFile: String?, var defaultRegion: String?, var directory: DirectorySettings?, var voicemail: VoicemailSettings?,
)

sealed class RegistrationState {
    object Unregistered : RegistrationState()
    object Registering : RegistrationState()
    data class Registered(val expires: UInt, val push: Boolean) : RegistrationState()
    data class Failed(val code: UShort, val reason: String, val retryInMs: ULong?) : RegistrationState()
}

sealed class CallState {
    object Incoming : CallState()
    object Dialing : CallState()
    data class RemoteRinging(val earlyMedia: Boolean) : CallState()
    object Active : CallState()
    data class Held(val byRemote: Boolean) : CallState()
    data class Ended(val reason: EndReason, val sipCode: UShort?) : CallState()
}

sealed class HintAction {
    object Ring : HintAction()
    object AlreadyRinging : HintAction()
    data class End(val reason: EndReason, val diagnostic: String?) : HintAction()
}

data class AccountInfo(var key: String, var account: Account, var state: RegistrationState)
data class CallInfo(
    var call: String, var account: String, var direction: CallDirection, var remote: String, var remoteName: String?,
    var state: CallState, var muted: Boolean, var startedMs: Long, var answeredMs: Long?,
)
data class IncomingCallHint(var call: String, var callId: String?, var account: String?, var caller: String, var displayName: String?, var action: HintAction)
data class CallLogEntry(
    var call: String, var callId: String?, var account: String?, var direction: CallDirection, var peer: String,
    var displayName: String?, var startedMs: Long, var answeredMs: Long?, var endedMs: Long?, var reason: EndReason?,
    var sipCode: UShort?, var ringMs: Long?, var talkMs: Long?, var pushWoken: Boolean, var missed: Boolean, var seen: Boolean,
    var quality: Any?,
)
data class History(var entries: List<CallLogEntry>, var missedUnseen: UInt)
data class ContactNumber(var number: String, var e164: String?, var label: String?)
data class ContactCard(var uid: String?, var name: String, var organization: String?, var numbers: List<ContactNumber>, var emails: List<String>)
data class Contact(var id: String, var source: ContactSource, var name: String, var organization: String?, var numbers: List<ContactNumber>, var emails: List<String>)
data class ImportReport(var imported: UInt, var skipped: List<String>)
data class SyncReport(var added: UInt, var updated: UInt, var removed: UInt, var skipped: List<String>)
data class Voicemail(var id: String, var caller: String, var callerName: String?, var receivedMs: Long, var durationMs: Long?, var heard: Boolean, var cached: Boolean)

sealed class PhoneException : Exception() {
    class Network(val reason: String) : PhoneException()
    class Auth(val reason: String) : PhoneException()
    class NotFound(val call: String) : PhoneException()
    class Busy(val reason: String) : PhoneException()
    class InvalidInput(val reason: String) : PhoneException()
    class Other(val reason: String) : PhoneException()
}

interface SecretStore { fun password(kind: SecretKind, account: String): String? }
interface LogSink { fun log(level: LogLevel, target: String, message: String) }
interface RegistrationListener { fun onRegistrations(accounts: List<AccountInfo>) }
interface CallsListener { fun onCalls(calls: List<CallInfo>) }
interface MwiListener { fun onMwi(account: String, newMessages: UInt, oldMessages: UInt) }
interface HistoryListener { fun onHistory(history: History) }

open class Subscription : AutoCloseable {
    fun cancel(): Unit = stub()
    override fun close(): Unit = stub()
}

open class AudioBridge : AutoCloseable {
    override fun close(): Unit = stub()
}

open class Phone : AutoCloseable {
    suspend fun call(account: String?, target: String): String = stub()
    suspend fun answer(call: String): Unit = stub()
    suspend fun decline(call: String, everywhere: Boolean): Unit = stub()
    suspend fun hangup(call: String): Unit = stub()
    suspend fun hold(call: String): Unit = stub()
    suspend fun resume(call: String): Unit = stub()
    suspend fun mute(call: String, on: Boolean): Unit = stub()
    suspend fun sendDtmf(call: String, digits: String): Unit = stub()
    suspend fun transferBlind(call: String, target: String): Unit = stub()
    suspend fun transferAttended(call: String, other: String): Unit = stub()
    fun handlePush(envelope: ByteArray): IncomingCallHint = stub()
    suspend fun setPushToken(token: PushToken?): Unit = stub()
    fun networkChanged(): Unit = stub()
    suspend fun addAccount(account: Account): Unit = stub()
    suspend fun updateAccount(account: Account): Unit = stub()
    suspend fun removeAccount(key: String): Unit = stub()
    suspend fun updateSettings(settings: CallSettings): Unit = stub()
    fun accounts(): List<AccountInfo> = stub()
    fun calls(): List<CallInfo> = stub()
    fun subscribeRegistrations(listener: RegistrationListener): Subscription = stub()
    fun subscribeCalls(listener: CallsListener): Subscription = stub()
    fun subscribeMwi(listener: MwiListener): Subscription = stub()
    fun subscribeHistory(listener: HistoryListener): Subscription = stub()
    suspend fun history(limit: UInt, missedOnly: Boolean): History = stub()
    suspend fun markHistorySeen(): Unit = stub()
    suspend fun importContacts(cards: List<ContactCard>): ImportReport = stub()
    suspend fun importVcard(text: String): ImportReport = stub()
    suspend fun searchContacts(query: String, limit: UInt): List<Contact> = stub()
    suspend fun lookupNumber(number: String): Contact? = stub()
    suspend fun syncDirectory(): SyncReport = stub()
    suspend fun syncVoicemail(): SyncReport = stub()
    suspend fun voicemails(): List<Voicemail> = stub()
    suspend fun voicemailAudio(id: String): String = stub()
    suspend fun setVoicemailHeard(id: String, heard: Boolean): Unit = stub()
    suspend fun deleteVoicemail(id: String): Unit = stub()
    suspend fun shutdown(timeoutMs: ULong): Unit = stub()
    override fun close(): Unit = stub()
}

suspend fun startPhone(settings: PhoneSettings, secrets: SecretStore, log: LogSink?, audio: AudioBridge?): Phone = stub()
fun parseProvisioning(input: String): Provisioning = stub()
fun formatNumber(number: String, defaultRegion: String): String = stub()
