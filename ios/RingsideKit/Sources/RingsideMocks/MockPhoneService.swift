import Foundation
import RingsideKit

/// An in-memory phone: a small simulation of the core good enough for view-model tests and
/// for the UI tests' scripted mode (`-RingsideScriptedCore`). Registration succeeds, pushes
/// ring or end as the payload says, calls move through their states on command, and every
/// command is recorded in `commands`.
public final class MockPhoneService: PhoneService, @unchecked Sendable {
    private let lock = NSLock()
    private var accountList: [AccountInfo] = []
    private var callList: [CallInfo] = []
    private var log: [CallLogEntry] = []
    public var contacts: [Contact] = []
    public var voicemailList: [Voicemail] = []
    public var voicemailFile = URL(fileURLWithPath: "/dev/null")
    public var failNext: PhoneError?
    public private(set) var commands: [String] = []
    public private(set) var pushToken: PushToken?
    public private(set) var importedCards: [ContactCard] = []
    private var registrationSinks: [UUID: AsyncStream<[AccountInfo]>.Continuation] = [:]
    private var callSinks: [UUID: AsyncStream<[CallInfo]>.Continuation] = [:]
    private var historySinks: [UUID: AsyncStream<History>.Continuation] = [:]
    private var eventSinks: [UUID: AsyncStream<Event>.Continuation] = [:]
    private var mwiSinks: [UUID: AsyncStream<MessageWaiting>.Continuation] = [:]
    private var nextCall = 1

    public init() {}

    // MARK: Calls

    public func call(account: String?, target: String) async throws -> String {
        try record("call \(target)")
        let id = newCallId()
        update { $0.callList.append(Self.callInfo(id, .outgoing, target, nil, .dialing)) }
        setState(id, .remoteRinging(earlyMedia: false))
        return id
    }

    public func answer(call: String) async throws {
        try record("answer \(call)")
        update { me in
            me.callList = me.callList.map { info in
                var info = info
                if info.call == call {
                    info.state = .active
                    info.answeredMs = Self.now()
                } else if info.state == .active {
                    info.state = .held(byRemote: false)
                }
                return info
            }
        }
    }

    public func decline(call: String, everywhere: Bool) async throws {
        try record("decline \(call) everywhere=\(everywhere)")
        end(call, reason: .declined, missed: false)
    }

    public func hangup(call: String) async throws {
        try record("hangup \(call)")
        end(call, reason: .localHangup, missed: false)
    }

    public func hold(call: String) async throws {
        try record("hold \(call)")
        setState(call, .held(byRemote: false))
    }

    public func resume(call: String) async throws {
        try record("resume \(call)")
        setState(call, .active)
    }

    public func mute(call: String, on: Bool) async throws {
        try record("mute \(call) \(on)")
        update { me in me.callList = me.callList.map { var c = $0; if c.call == call { c.muted = on }; return c } }
    }

    public func sendDtmf(call: String, digits: String) async throws { try record("dtmf \(call) \(digits)") }

    public func transferBlind(call: String, target: String) async throws {
        try record("transfer \(call) \(target)")
        end(call, reason: .localHangup, missed: false)
    }

    public func transferAttended(call: String, other: String) async throws {
        try record("transfer-attended \(call) \(other)")
        end(call, reason: .localHangup, missed: false)
        end(other, reason: .localHangup, missed: false)
    }

    // MARK: Push

    /// Reads the payload's keys (proto/push-payload.schema.json): `type` call rings,
    /// `type` cancel ends the call with `reason` (default cancelled, a missed call).
    public func handlePush(envelope: Data) -> IncomingCallHint {
        commands.append("push")
        let object = (try? JSONSerialization.jsonObject(with: envelope)) as? [String: Any] ?? [:]
        let from = object["from-uri"] as? String ?? "unknown"
        let name = object["display-name"] as? String
        let callId = object["call-id"] as? String
        let id = (object["uuid"] as? String) ?? callId.map { Self.stableId($0) } ?? newCallId()
        let known = calls().contains { $0.call == id }
        switch object["type"] as? String {
        case "call":
            if known { return Self.hint(id, callId, from, name, .alreadyRinging) }
            update { $0.callList.append(Self.callInfo(id, .incoming, from, name, .incoming)) }
            return Self.hint(id, callId, from, name, .ring)
        case "cancel":
            let reason = Self.reason(object["reason"] as? String)
            if known {
                end(id, reason: reason, missed: reason == .cancelled)
            } else {
                appendLog(id, from, name, reason: reason, missed: reason == .cancelled, answeredMs: nil)
            }
            return Self.hint(id, callId, from, name, .end(reason: reason, diagnostic: nil))
        default:
            return Self.hint(id, callId, from, name, .end(reason: .failed, diagnostic: "not a call push"))
        }
    }

    public func setPushToken(_ token: PushToken?) async throws {
        try record("push-token")
        lock.lock()
        pushToken = token
        lock.unlock()
    }

    public func networkChanged() { commands.append("network-changed") }

    // MARK: Accounts

    public func addAccount(_ account: Account) async throws {
        try record("add-account \(account.username)@\(account.domain)")
        let key = "\(account.username)@\(account.domain)"
        update { me in
            me.accountList.removeAll { $0.key == key }
            me.accountList.append(AccountInfo(key: key, account: account, state: .registered(expires: 600, push: me.pushToken != nil)))
        }
    }

    public func updateAccount(_ account: Account) async throws { try await addAccount(account) }

    public func removeAccount(key: String) async throws {
        try record("remove-account \(key)")
        update { $0.accountList.removeAll { $0.key == key } }
    }

    public func accounts() -> [AccountInfo] { locked { $0.accountList } }
    public func calls() -> [CallInfo] { locked { $0.callList } }
    public func stats(call: String) -> MediaStats? { nil }

    /// Tests drive registration failures and MWI through these.
    public func setRegistration(_ key: String, _ state: RegistrationState) {
        update { me in me.accountList = me.accountList.map { var a = $0; if a.key == key { a.state = state }; return a } }
    }

    public func sendMwi(_ value: MessageWaiting) {
        for sink in locked({ Array($0.mwiSinks.values) }) { sink.yield(value) }
    }

    public func sendEvent(_ event: Event) {
        for sink in locked({ Array($0.eventSinks.values) }) { sink.yield(event) }
    }

    /// A call that rang here without a push (the app was awake).
    public func ring(from: String, name: String?) -> String {
        let id = newCallId()
        update { $0.callList.append(Self.callInfo(id, .incoming, from, name, .incoming)) }
        return id
    }

    /// The far end hangs up or gives up.
    public func remoteEnd(_ call: String, reason: EndReason) {
        end(call, reason: reason, missed: reason == .cancelled)
    }

    // MARK: Streams

    public func registrations() -> AsyncStream<[AccountInfo]> {
        stream(\.registrationSinks, current: accounts())
    }

    public func liveCalls() -> AsyncStream<[CallInfo]> {
        stream(\.callSinks, current: calls())
    }

    public func historyUpdates() -> AsyncStream<History> {
        stream(\.historySinks, current: currentHistory(missedOnly: false))
    }

    public func events() -> AsyncStream<Event> { stream(\.eventSinks, current: nil) }
    public func messageWaiting() -> AsyncStream<MessageWaiting> { stream(\.mwiSinks, current: nil) }

    // MARK: History, contacts, voicemail

    public func history(limit: UInt32, missedOnly: Bool) async throws -> History {
        try record("history missedOnly=\(missedOnly)")
        return currentHistory(missedOnly: missedOnly)
    }

    public func markHistorySeen() async throws {
        try record("mark-seen")
        update { me in me.log = me.log.map { var e = $0; e.seen = true; return e } }
    }

    public func importContacts(_ cards: [ContactCard]) async throws -> ImportReport {
        try record("import \(cards.count)")
        importedCards = cards
        contacts = cards.enumerated().map { index, card in
            Contact(id: "device-\(index)", source: .device, name: card.name, organization: card.organization, numbers: card.numbers, emails: card.emails)
        }
        return ImportReport(imported: UInt32(cards.count), skipped: [])
    }

    public func searchContacts(query: String, limit: UInt32) async throws -> [Contact] {
        try record("search \(query)")
        let q = query.lowercased()
        let found = contacts.filter { contact in
            contact.name.lowercased().split(separator: " ").contains { $0.hasPrefix(q) }
                || contact.numbers.contains { $0.number.hasPrefix(query) }
        }
        return Array(found.prefix(Int(limit)))
    }

    public func lookupNumber(_ number: String) async throws -> Contact? {
        contacts.first { $0.numbers.contains { $0.number == number } }
    }

    public func syncDirectory() async throws -> SyncReport {
        try record("sync-directory")
        return SyncReport(added: 0, updated: 0, removed: 0, skipped: [])
    }

    public func syncVoicemail() async throws -> SyncReport {
        try record("sync-voicemail")
        return SyncReport(added: 0, updated: 0, removed: 0, skipped: [])
    }

    public func voicemails() async throws -> [Voicemail] {
        try record("voicemails")
        return voicemailList
    }

    public func voicemailAudio(id: String) async throws -> URL {
        try record("voicemail-audio \(id)")
        return voicemailFile
    }

    public func setVoicemailHeard(id: String, heard: Bool) async throws {
        try record("heard \(id) \(heard)")
        voicemailList = voicemailList.map { var v = $0; if v.id == id { v.heard = heard }; return v }
    }

    public func deleteVoicemail(id: String) async throws {
        try record("delete-voicemail \(id)")
        voicemailList.removeAll { $0.id == id }
    }

    public func shutdown(timeoutMs: UInt64) async { commands.append("shutdown") }

    // MARK: Helpers

    private func record(_ command: String) throws {
        lock.lock()
        commands.append(command)
        let failure = failNext
        failNext = nil
        lock.unlock()
        if let failure { throw failure }
    }

    private func locked<T>(_ read: (MockPhoneService) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return read(self)
    }

    /// Changes state under the lock, then publishes every stream's current value.
    private func update(_ change: (MockPhoneService) -> Void) {
        lock.lock()
        change(self)
        let accounts = accountList, calls = callList
        let registrations = Array(registrationSinks.values), callSinks = Array(self.callSinks.values)
        let historySinks = Array(self.historySinks.values)
        lock.unlock()
        for sink in registrations { sink.yield(accounts) }
        for sink in callSinks { sink.yield(calls) }
        let history = currentHistory(missedOnly: false)
        for sink in historySinks { sink.yield(history) }
    }

    private func stream<T>(_ sinks: ReferenceWritableKeyPath<MockPhoneService, [UUID: AsyncStream<T>.Continuation]>, current: T?) -> AsyncStream<T> {
        AsyncStream { continuation in
            let id = UUID()
            lock.lock()
            self[keyPath: sinks][id] = continuation
            lock.unlock()
            if let current { continuation.yield(current) }
            continuation.onTermination = { [weak self] _ in
                guard let self else { return }
                self.lock.lock()
                self[keyPath: sinks][id] = nil
                self.lock.unlock()
            }
        }
    }

    private func setState(_ call: String, _ state: CallState) {
        update { me in me.callList = me.callList.map { var c = $0; if c.call == call { c.state = state }; return c } }
    }

    private func end(_ call: String, reason: EndReason, missed: Bool) {
        guard let info = calls().first(where: { $0.call == call }) else { return }
        appendLog(call, info.remote, info.remoteName, reason: reason, missed: missed, answeredMs: info.answeredMs, direction: info.direction)
        setState(call, .ended(reason: reason, sipCode: nil))
        update { $0.callList.removeAll { $0.call == call } }
    }

    private func appendLog(_ call: String, _ peer: String, _ name: String?, reason: EndReason, missed: Bool,
                           answeredMs: Int64?, direction: CallDirection = .incoming) {
        let now = Self.now()
        let entry = CallLogEntry(call: call, callId: nil, account: nil, direction: direction, peer: peer, displayName: name,
                                 startedMs: now, answeredMs: answeredMs, endedMs: now, reason: reason, sipCode: nil,
                                 ringMs: nil, talkMs: nil, pushWoken: false, missed: missed, seen: false, quality: nil)
        update { $0.log.insert(entry, at: 0) }
    }

    private func currentHistory(missedOnly: Bool) -> History {
        let entries = locked { $0.log }.filter { !missedOnly || $0.missed }
        let unseen = entries.filter { $0.missed && !$0.seen }.count
        return History(entries: entries, missedUnseen: UInt32(unseen))
    }

    private func newCallId() -> String {
        lock.lock()
        defer { lock.unlock() }
        nextCall += 1
        return String(format: "00000000-0000-4000-8000-%012ld", nextCall)
    }

    private static func stableId(_ callId: String) -> String {
        let digits = callId.unicodeScalars.reduce(UInt64(7)) { ($0 &* 31 &+ UInt64($1.value)) % 1_000_000_000_000 }
        return String(format: "00000000-0000-5000-8000-%012llu", digits)
    }

    private static func reason(_ text: String?) -> EndReason {
        switch text {
        case "answered_elsewhere": return .answeredElsewhere
        case "declined_elsewhere": return .declinedElsewhere
        default: return .cancelled
        }
    }

    private static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    private static func callInfo(_ id: String, _ direction: CallDirection, _ remote: String, _ name: String?, _ state: CallState) -> CallInfo {
        CallInfo(call: id, account: "1001@pbx.example.com", direction: direction, remote: remote, remoteName: name,
                 state: state, muted: false, startedMs: now(), answeredMs: nil)
    }

    private static func hint(_ id: String, _ callId: String?, _ from: String, _ name: String?, _ action: HintAction) -> IncomingCallHint {
        IncomingCallHint(call: id, callId: callId, account: nil, caller: from, displayName: name, action: action)
    }
}
