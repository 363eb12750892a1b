import Foundation
import RingsideCore

/// A subscription handle without a Rust object behind it: records its cancellation.
// Sendable as its superclass is; the flag is guarded by the lock.
final class FakeSubscription: Subscription {
    private let lock = NSLock()
    private var wasCancelled = false

    init() {
        super.init(noHandle: .init())
    }

    required init(unsafeFromHandle handle: UInt64) {
        super.init(unsafeFromHandle: handle)
    }

    var cancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return wasCancelled
    }

    override func cancel() {
        lock.lock()
        wasCancelled = true
        lock.unlock()
    }
}

/// The generated `PhoneProtocol` in memory: records every command with its arguments, keeps the
/// listeners a subscription handed it so a test can play the core's side, and fails the next
/// command with `failNext`. What `CorePhoneService` adds over the core is then all under test.
final class FakeCorePhone: PhoneProtocol, @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [String] = []
    var failNext: PhoneError?
    var accountList: [AccountInfo] = []
    var callList: [CallInfo] = []
    var voicemailList: [Voicemail] = []
    var contactList: [Contact] = []
    var audioPath = "/var/mobile/voicemail/v1.wav"

    private(set) var registrationListener: RegistrationListener?
    private(set) var callsListener: CallsListener?
    private(set) var mwiListener: MwiListener?
    private(set) var historyListener: HistoryListener?
    private(set) var eventListener: EventListener?
    private(set) var subscriptions: [FakeSubscription] = []

    var commands: [String] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    private func record(_ command: String) throws {
        lock.lock()
        recorded.append(command)
        let failure = failNext
        failNext = nil
        lock.unlock()
        if let failure { throw failure }
    }

    private func subscription() -> Subscription {
        let s = FakeSubscription()
        lock.lock()
        subscriptions.append(s)
        lock.unlock()
        return s
    }

    // Calls
    func call(account: String?, target: String) async throws -> String {
        try record("call \(account ?? "-") \(target)")
        return "call-1"
    }
    func answer(call: String) async throws { try record("answer \(call)") }
    func decline(call: String, everywhere: Bool) async throws { try record("decline \(call) \(everywhere)") }
    func hangup(call: String) async throws { try record("hangup \(call)") }
    func hold(call: String) async throws { try record("hold \(call)") }
    func resume(call: String) async throws { try record("resume \(call)") }
    func mute(call: String, on: Bool) async throws { try record("mute \(call) \(on)") }
    func sendDtmf(call: String, digits: String) async throws { try record("dtmf \(call) \(digits)") }
    func transferBlind(call: String, target: String) async throws { try record("transfer \(call) \(target)") }
    func transferAttended(call: String, other: String) async throws { try record("attended \(call) \(other)") }
    func calls() -> [CallInfo] { callList }
    func stats(call: String) -> MediaStats? { nil }
    func pushTimeline(call: String) -> PushTimeline? { nil }

    // Push and network
    func handlePush(envelope: Data) -> IncomingCallHint {
        try? record("push \(envelope.count)")
        return IncomingCallHint(call: "push-1", callId: nil, account: nil, caller: "sip:1002@pbx", displayName: nil, action: .ring)
    }
    func setPushToken(token: PushToken?) async throws { try record("push-token \(token?.prid ?? "none")") }
    func networkChanged() { try? record("network-changed") }
    func networkChangedTo(localIp: String) async throws { try record("network-changed \(localIp)") }

    // Accounts and settings
    func accounts() -> [AccountInfo] { accountList }
    func addAccount(account: Account) async throws { try record("add \(account.username)@\(account.domain)") }
    func updateAccount(account: Account) async throws { try record("update \(account.username)@\(account.domain)") }
    func removeAccount(key: String) async throws { try record("remove \(key)") }
    func updateSettings(settings: CallSettings) async throws { try record("settings \(settings.busyWhenInCall)") }

    // Subscriptions
    func subscribeRegistrations(listener: RegistrationListener) -> Subscription {
        registrationListener = listener
        listener.onRegistrations(accounts: accountList)
        return subscription()
    }
    func subscribeCalls(listener: CallsListener) -> Subscription {
        callsListener = listener
        listener.onCalls(calls: callList)
        return subscription()
    }
    func subscribeMwi(listener: MwiListener) -> Subscription {
        mwiListener = listener
        return subscription()
    }
    func subscribeHistory(listener: HistoryListener) -> Subscription {
        historyListener = listener
        listener.onHistory(history: History(entries: [], missedUnseen: 0))
        return subscription()
    }
    func subscribeEvents(listener: EventListener) -> Subscription {
        eventListener = listener
        return subscription()
    }

    // History, contacts, voicemail
    func history(limit: UInt32, missedOnly: Bool) async throws -> History {
        try record("history \(limit) \(missedOnly)")
        return History(entries: [], missedUnseen: 0)
    }
    func markHistorySeen() async throws { try record("mark-seen") }
    func importContacts(cards: [ContactCard]) async throws -> ImportReport {
        try record("import \(cards.count)")
        return ImportReport(imported: UInt32(cards.count), skipped: [])
    }
    func importVcard(text: String) async throws -> ImportReport {
        try record("import-vcard")
        return ImportReport(imported: 0, skipped: [])
    }
    func searchContacts(query: String, limit: UInt32) async throws -> [Contact] {
        try record("search \(query) \(limit)")
        return contactList
    }
    func lookupNumber(number: String) async throws -> Contact? {
        try record("lookup \(number)")
        return contactList.first
    }
    func syncDirectory() async throws -> SyncReport {
        try record("sync-directory")
        return SyncReport(added: 2, updated: 1, removed: 0, skipped: [])
    }
    func syncVoicemail() async throws -> SyncReport {
        try record("sync-voicemail")
        return SyncReport(added: 1, updated: 0, removed: 0, skipped: [])
    }
    func voicemails() async throws -> [Voicemail] {
        try record("voicemails")
        return voicemailList
    }
    func voicemailAudio(id: String) async throws -> String {
        try record("audio \(id)")
        return audioPath
    }
    func setVoicemailHeard(id: String, heard: Bool) async throws { try record("heard \(id) \(heard)") }
    func deleteVoicemail(id: String) async throws { try record("delete \(id)") }

    func shutdown(timeoutMs: UInt64) async { try? record("shutdown \(timeoutMs)") }
}
