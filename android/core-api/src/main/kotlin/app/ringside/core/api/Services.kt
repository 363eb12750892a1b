package app.ringside.core.api

import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.StateFlow

/**
 * What the app sees of the core. Each `Flow` delivers the current state first, then every
 * change (the core's subscriptions work that way); suspend functions fail with [CoreException].
 * core-impl implements these over the uniffi bindings, core-test with fakes.
 */
interface CallService {
    /** Every live call, oldest first. */
    val calls: Flow<List<Call>>
    /** Starts an outgoing call; returns its id. `account` null = the first account. */
    suspend fun dial(target: String, account: String? = null): String
    suspend fun answer(call: String)
    /** 486 by default so the desk phone keeps ringing; 603 for everyone when [everywhere]. */
    suspend fun decline(call: String, everywhere: Boolean = false)
    suspend fun hangup(call: String)
    suspend fun hold(call: String)
    suspend fun resume(call: String)
    suspend fun mute(call: String, on: Boolean)
    suspend fun sendDtmf(call: String, digits: String)
    suspend fun transferBlind(call: String, target: String)
    /** Hands [call]'s party over to [other]'s (REFER with Replaces). */
    suspend fun transferAttended(call: String, other: String)
}

interface AccountService {
    val accounts: Flow<List<AccountStatus>>
    /** Adds the account, or updates the one with the same key; the password goes to the secret store. */
    suspend fun save(account: SipAccount, password: String?)
    /** Unregisters and forgets the account and its password. */
    suspend fun remove(key: String)
}

/** Reads a `ringside:` URI, an https provisioning link, or a QR code's text (the core's parser). */
fun interface ProvisioningParser {
    /** @throws CoreException.InvalidInput with the reason the input is not a provisioning link. */
    fun parse(input: String): ProvisionedAccount
}

interface ContactsService {
    /** Type-ahead: prefix search over names and numbers. */
    suspend fun search(query: String, limit: Int = 20): List<Contact>
    suspend fun lookupNumber(number: String): Contact?
    /** Replaces the device source with the address book's cards; returns how many were imported. */
    suspend fun importDevice(cards: List<ContactCard>): Int
    suspend fun syncDirectory()
}

interface HistoryService {
    /** The newest entries, newest first. */
    val history: Flow<CallHistory>
    suspend fun markSeen()
}

interface VoicemailService {
    val mwi: Flow<Mwi>
    suspend fun list(): List<Voicemail>
    /** Fetches the message's audio if needed; returns the path of a cached WAV. */
    suspend fun audioPath(id: String): String
    suspend fun setHeard(id: String, heard: Boolean)
    suspend fun delete(id: String)
    suspend fun sync()
}

/** Where the call's audio goes (the platform's routing: AudioManager on Android). */
interface AudioRouter {
    val routes: StateFlow<AudioRoutes>
    fun select(route: AudioRoute)
}

/** Plays a voicemail's WAV (MediaPlayer on Android, a fake on the desktop). */
interface VoicemailPlayer {
    val playback: StateFlow<Playback>
    fun play(voicemailId: String, path: String)
    fun stop()
}

/**
 * The running core's settings: what the settings screen saved takes effect through here (the
 * core restarts its engine on them and registers again).
 */
interface SettingsService {
    /**
     * Runs the core on [settings]. The directory and mailbox passwords are read from the
     * [SecretStore] again, so store new ones first.
     * @throws CoreException.Busy while a call is live (a change never cuts a call).
     */
    suspend fun apply(settings: AppSettings)
}

/** Persisted app settings. */
interface SettingsStore {
    val settings: StateFlow<AppSettings>
    suspend fun update(settings: AppSettings)
}

enum class SecretKind { SIP, DIRECTORY, VOICEMAIL }

/**
 * Passwords never live in the core's SQLite: the shell keeps them (Keystore on Android) and the
 * core asks when it needs one. Called from the core's threads: must not block on the UI.
 */
interface SecretStore {
    fun password(kind: SecretKind, account: String): String?
    /** Stores, or forgets when [password] is null. */
    fun setPassword(kind: SecretKind, account: String, password: String?)
}

/** Everything a running core offers, in one place for the app's wiring. */
interface RingsideCore {
    val calls: CallService
    val accounts: AccountService
    val contacts: ContactsService
    val history: HistoryService
    val voicemail: VoicemailService
    val settings: SettingsService
    val provisioning: ProvisioningParser
    /** Formats a number for display (`+33 6 12 34 56 78`); extensions unchanged. */
    fun formatNumber(number: String): String
    /** Decides a push at once: never blocks on network or disk, never fails. */
    fun handlePush(payload: ByteArray): PushHint
    /** The FCM token changed (null: push off); the core re-registers with RFC 8599 parameters. */
    suspend fun setPushToken(fcmToken: String?, projectId: String?)
    /** The platform saw a network change: re-register and re-INVITE. */
    fun networkChanged()
    suspend fun shutdown()
}
