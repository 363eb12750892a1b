package app.ringside.core.impl

import app.ringside.core.api.AccountStatus
import app.ringside.core.api.AppSettings
import app.ringside.core.api.Call
import app.ringside.core.api.CallDirection
import app.ringside.core.api.CallHistory
import app.ringside.core.api.CallStatus
import app.ringside.core.api.Codec
import app.ringside.core.api.Contact
import app.ringside.core.api.ContactCard
import app.ringside.core.api.ContactNumber
import app.ringside.core.api.ContactSource
import app.ringside.core.api.CoreException
import app.ringside.core.api.EndReason
import app.ringside.core.api.HistoryEntry
import app.ringside.core.api.ProvisionedAccount
import app.ringside.core.api.PushAction
import app.ringside.core.api.PushHint
import app.ringside.core.api.RegistrationStatus
import app.ringside.core.api.SecretKind
import app.ringside.core.api.SipAccount
import app.ringside.core.api.SrtpMode
import app.ringside.core.api.Voicemail
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import uniffi.ringside_ffi.Account as FfiAccount
import uniffi.ringside_ffi.AccountInfo as FfiAccountInfo
import uniffi.ringside_ffi.CallDirection as FfiCallDirection
import uniffi.ringside_ffi.CallInfo as FfiCallInfo
import uniffi.ringside_ffi.CallSettings as FfiCallSettings
import uniffi.ringside_ffi.DirectorySettings as FfiDirectorySettings
import uniffi.ringside_ffi.VoicemailSettings as FfiVoicemailSettings
import uniffi.ringside_ffi.CallLogEntry as FfiCallLogEntry
import uniffi.ringside_ffi.CallState as FfiCallState
import uniffi.ringside_ffi.Codec as FfiCodec
import uniffi.ringside_ffi.Contact as FfiContact
import uniffi.ringside_ffi.ContactCard as FfiContactCard
import uniffi.ringside_ffi.ContactNumber as FfiContactNumber
import uniffi.ringside_ffi.ContactSource as FfiContactSource
import uniffi.ringside_ffi.EndReason as FfiEndReason
import uniffi.ringside_ffi.HintAction as FfiHintAction
import uniffi.ringside_ffi.History as FfiHistory
import uniffi.ringside_ffi.IncomingCallHint as FfiIncomingCallHint
import uniffi.ringside_ffi.PhoneException
import uniffi.ringside_ffi.Provisioning as FfiProvisioning
import uniffi.ringside_ffi.RegistrationState as FfiRegistrationState
import uniffi.ringside_ffi.SecretKind as FfiSecretKind
import uniffi.ringside_ffi.SrtpPolicy as FfiSrtpPolicy
import uniffi.ringside_ffi.Voicemail as FfiVoicemail

/**
 * Between the generated uniffi types and core-api's: one function per type, each exhaustive,
 * so a variant added to the FFI fails this file's compile rather than a screen at run time.
 */
internal fun PhoneException.toCore(): CoreException = when (this) {
    is PhoneException.Network -> CoreException.Network(reason)
    is PhoneException.Auth -> CoreException.Auth(reason)
    is PhoneException.NotFound -> CoreException.NotFound(call)
    is PhoneException.Busy -> CoreException.Busy(reason)
    is PhoneException.InvalidInput -> CoreException.InvalidInput(reason)
    is PhoneException.Other -> CoreException.Other(reason)
}

/** Runs a core call and turns its error into the app's. */
internal inline fun <T> core(block: () -> T): T = try {
    block()
} catch (e: PhoneException) {
    throw e.toCore()
}

/**
 * [core] for the core's async functions, always on a dispatching context. uniffi's Rust future
 * calls the coroutine's continuation from its waker while holding the future's scheduler lock,
 * and the generated code resumes the coroutine right there. A caller on an undispatched context
 * (Dispatchers.Unconfined; Main.immediate already on the main thread) then polls the future
 * again from inside that callback and blocks on the same lock forever: the call never returns.
 * Dispatchers.Default always dispatches, so the next poll comes after the callback returned.
 */
internal suspend inline fun <T> coreCall(crossinline block: suspend () -> T): T = withContext(Dispatchers.Default) {
    try {
        block()
    } catch (e: PhoneException) {
        throw e.toCore()
    }
}

internal fun SipAccount.toFfi() = FfiAccount(username = username, domain = domain, proxy = proxy, displayName = displayName, authUsername = null, voicemail = null)

internal fun FfiAccount.toCore() = SipAccount(username, domain, proxy, displayName)

internal fun FfiAccountInfo.toCore() = AccountStatus(key, account.toCore(), state.toCore())

internal fun FfiRegistrationState.toCore(): RegistrationStatus = when (this) {
    is FfiRegistrationState.Unregistered -> RegistrationStatus.Unregistered
    is FfiRegistrationState.Registering -> RegistrationStatus.Registering
    is FfiRegistrationState.Registered -> RegistrationStatus.Registered(expires.toInt(), push)
    is FfiRegistrationState.Failed -> RegistrationStatus.Failed(code.toInt(), reason, retryInMs?.toLong())
}

internal fun FfiCallDirection.toCore() = when (this) {
    FfiCallDirection.INCOMING -> CallDirection.INCOMING
    FfiCallDirection.OUTGOING -> CallDirection.OUTGOING
}

internal fun FfiEndReason.toCore() = when (this) {
    FfiEndReason.LOCAL_HANGUP -> EndReason.LOCAL_HANGUP
    FfiEndReason.REMOTE_HANGUP -> EndReason.REMOTE_HANGUP
    FfiEndReason.ANSWERED_ELSEWHERE -> EndReason.ANSWERED_ELSEWHERE
    FfiEndReason.DECLINED_ELSEWHERE -> EndReason.DECLINED_ELSEWHERE
    FfiEndReason.CANCELLED -> EndReason.CANCELLED
    FfiEndReason.BUSY -> EndReason.BUSY
    FfiEndReason.DECLINED -> EndReason.DECLINED
    FfiEndReason.UNANSWERED -> EndReason.UNANSWERED
    FfiEndReason.FAILED -> EndReason.FAILED
}

internal fun FfiCallState.toCore(): CallStatus = when (this) {
    is FfiCallState.Incoming -> CallStatus.Incoming
    is FfiCallState.Dialing -> CallStatus.Dialing
    is FfiCallState.RemoteRinging -> CallStatus.RemoteRinging(earlyMedia)
    is FfiCallState.Active -> CallStatus.Active
    is FfiCallState.Held -> CallStatus.Held(byRemote)
    is FfiCallState.Ended -> CallStatus.Ended(reason.toCore(), sipCode?.toInt())
}

internal fun FfiCallInfo.toCore() = Call(call, account, direction.toCore(), remote, remoteName, state.toCore(), muted, startedMs, answeredMs)

internal fun FfiCallLogEntry.toCore() = HistoryEntry(call, direction.toCore(), peer, displayName, startedMs, talkMs, reason?.toCore(), missed, seen, pushWoken)

internal fun FfiHistory.toCore() = CallHistory(entries.map { it.toCore() }, missedUnseen.toInt())

internal fun FfiContactNumber.toCore() = ContactNumber(number, label)

internal fun FfiContact.toCore() = Contact(
    id, name, organization, numbers.map { it.toCore() },
    when (source) {
        FfiContactSource.DEVICE -> ContactSource.DEVICE
        FfiContactSource.DIRECTORY -> ContactSource.DIRECTORY
    },
)

internal fun ContactCard.toFfi() = FfiContactCard(uid = uid, name = name, organization = organization, numbers = numbers.map { FfiContactNumber(number = it.number, e164 = null, label = it.label) }, emails = emails)

internal fun FfiVoicemail.toCore() = Voicemail(id, caller, callerName, receivedMs, durationMs, heard)

internal fun FfiProvisioning.toCore() = ProvisionedAccount(username, domain, proxy, password, displayName)

internal fun FfiIncomingCallHint.toCore() = PushHint(
    call, caller, displayName,
    when (val a = action) {
        is FfiHintAction.Ring -> PushAction.Ring
        is FfiHintAction.AlreadyRinging -> PushAction.AlreadyRinging
        is FfiHintAction.End -> PushAction.End(a.reason.toCore(), a.diagnostic)
    },
)

internal fun FfiSecretKind.toCore() = when (this) {
    FfiSecretKind.SIP -> SecretKind.SIP
    FfiSecretKind.DIRECTORY -> SecretKind.DIRECTORY
    FfiSecretKind.VOICEMAIL -> SecretKind.VOICEMAIL
}

internal fun Codec.toFfi() = when (this) {
    Codec.OPUS -> FfiCodec.OPUS
    Codec.PCMU -> FfiCodec.PCMU
    Codec.PCMA -> FfiCodec.PCMA
}

internal fun SrtpMode.toFfi() = when (this) {
    SrtpMode.OFF -> FfiSrtpPolicy.OFF
    SrtpMode.OPTIONAL -> FfiSrtpPolicy.OPTIONAL
    SrtpMode.MANDATORY -> FfiSrtpPolicy.MANDATORY
}

/** The settings screen's values as the core takes them, at start and on every change. */
internal fun AppSettings.toFfi() = FfiCallSettings(
    codecs = codecs.map { it.toFfi() },
    srtp = srtp.toFfi(),
    busyWhenInCall = busyWhenInCall,
    defaultRegion = defaultRegion.ifBlank { null },
    directory = directoryUrl.takeIf { it.isNotBlank() }?.let { FfiDirectorySettings(url = it, username = directoryUsername) },
    voicemail = voicemailImapUrl.takeIf { it.isNotBlank() }?.let { FfiVoicemailSettings(imapUrl = it, username = voicemailUsername, folder = voicemailFolder.ifBlank { "INBOX" }) },
)
