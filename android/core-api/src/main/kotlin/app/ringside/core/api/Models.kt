package app.ringside.core.api

/**
 * The app's own model of what the core knows: plain Kotlin values that presenters and screens
 * use, so neither depends on the generated uniffi types (core-impl maps between the two).
 */

/** One SIP account as the *SIP Identifiers* tab gives it; the password lives in [SecretStore]. */
data class SipAccount(
    val username: String,
    val domain: String,
    /** Outbound proxy (`pabx.axivox.com`); null = resolve the domain (RFC 3263). */
    val proxy: String? = null,
    val displayName: String? = null,
) {
    /** `username@domain`, the key the core files the account under. */
    val key: String get() = "$username@$domain"
}

sealed interface RegistrationStatus {
    data object Unregistered : RegistrationStatus
    data object Registering : RegistrationStatus
    data class Registered(val expiresSeconds: Int, val push: Boolean) : RegistrationStatus
    data class Failed(val code: Int, val reason: String, val retryInMs: Long?) : RegistrationStatus
}

data class AccountStatus(val key: String, val account: SipAccount, val registration: RegistrationStatus)

enum class CallDirection { INCOMING, OUTGOING }

enum class EndReason {
    LOCAL_HANGUP, REMOTE_HANGUP, ANSWERED_ELSEWHERE, DECLINED_ELSEWHERE, CANCELLED, BUSY, DECLINED,
    UNANSWERED, FAILED,
}

sealed interface CallStatus {
    /** Ringing here, not answered. */
    data object Incoming : CallStatus
    /** Outgoing, no answer yet. */
    data object Dialing : CallStatus
    data class RemoteRinging(val earlyMedia: Boolean) : CallStatus
    data object Active : CallStatus
    data class Held(val byRemote: Boolean) : CallStatus
    data class Ended(val reason: EndReason, val sipCode: Int?) : CallStatus
}

data class Call(
    /** The core's stable call uuid: the same for a push and its INVITE. */
    val id: String,
    val account: String,
    val direction: CallDirection,
    /** SIP URI or number of the other party. */
    val remote: String,
    /** Display name from SIP, else the contact's name. */
    val remoteName: String?,
    val status: CallStatus,
    val muted: Boolean,
    val startedMs: Long,
    val answeredMs: Long?,
)

data class HistoryEntry(
    val id: String,
    val direction: CallDirection,
    val peer: String,
    val displayName: String?,
    val startedMs: Long,
    val talkMs: Long?,
    val reason: EndReason?,
    /** The core's decision: a call nobody answered anywhere (never one answered on the desk phone). */
    val missed: Boolean,
    val seen: Boolean,
    val pushWoken: Boolean,
)

data class CallHistory(val entries: List<HistoryEntry>, val missedUnseen: Int) {
    companion object {
        val EMPTY = CallHistory(emptyList(), 0)
    }
}

enum class ContactSource { DEVICE, DIRECTORY }

data class ContactNumber(val number: String, val label: String? = null)

data class Contact(
    val id: String,
    val name: String,
    val organization: String? = null,
    val numbers: List<ContactNumber>,
    val source: ContactSource = ContactSource.DEVICE,
)

/** A device address-book card for bulk import into the core's store. */
data class ContactCard(val uid: String?, val name: String, val organization: String?, val numbers: List<ContactNumber>, val emails: List<String>)

data class Voicemail(
    val id: String,
    val caller: String,
    val callerName: String?,
    val receivedMs: Long,
    val durationMs: Long?,
    val heard: Boolean,
)

/** Message-waiting indication for one account. */
data class Mwi(val account: String, val newMessages: Int, val oldMessages: Int)

/** The four *SIP Identifiers* values (and a display name) a provisioning link or QR carries. */
data class ProvisionedAccount(
    val username: String,
    val domain: String,
    val proxy: String?,
    val password: String?,
    val displayName: String?,
)

enum class SrtpMode { OFF, OPTIONAL, MANDATORY }

enum class Codec { OPUS, PCMU, PCMA }

/** What the user can change in Settings; the core is restarted with it. */
data class AppSettings(
    val srtp: SrtpMode = SrtpMode.OPTIONAL,
    val codecs: List<Codec> = listOf(Codec.OPUS, Codec.PCMU, Codec.PCMA),
    /** Answer a second caller with 486 while in a call, so the desk phone takes it. */
    val busyWhenInCall: Boolean = false,
    val defaultRegion: String = "FR",
    /** CardDAV address book URL of the company directory; blank = none. */
    val directoryUrl: String = "",
    val directoryUsername: String = "",
    /** `imaps://host:port` of the voicemail-to-e-mail mailbox; blank = none. */
    val voicemailImapUrl: String = "",
    val voicemailUsername: String = "",
    val voicemailFolder: String = "INBOX",
)

enum class AudioRoute { EARPIECE, SPEAKER, BLUETOOTH, WIRED_HEADSET }

data class AudioRoutes(val current: AudioRoute, val available: List<AudioRoute>)

sealed interface Playback {
    data object Stopped : Playback
    data class Playing(val voicemailId: String, val positionMs: Long, val durationMs: Long?) : Playback
}

/** What the core decided about a push, synchronously, before the platform callback returns. */
data class PushHint(val call: String, val caller: String, val displayName: String?, val action: PushAction)

sealed interface PushAction {
    /** Report a new incoming call to the platform now. */
    data object Ring : PushAction
    /** A duplicate push: the call is already reported. */
    data object AlreadyRinging : PushAction
    /** The call is over (or the payload was unreadable): report nothing that rings. */
    data class End(val reason: EndReason, val diagnostic: String?) : PushAction
}
