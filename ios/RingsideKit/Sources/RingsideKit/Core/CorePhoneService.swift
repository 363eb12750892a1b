import Foundation
import RingsideCore

/// `PhoneService` over the core's `Phone` object. Nothing is decided here: each method is the
/// core's, each subscription becomes an `AsyncStream` whose termination cancels it.
///
/// It holds `any PhoneProtocol` (uniffi generates the protocol beside the class), so tests
/// run this wrapper against a fake core object.
public final class CorePhoneService: PhoneService, @unchecked Sendable {
    private let core: any PhoneProtocol

    public init(core: any PhoneProtocol) {
        self.core = core
    }

    public func call(account: String?, target: String) async throws -> String {
        try await core.call(account: account, target: target)
    }

    public func answer(call: String) async throws { try await core.answer(call: call) }

    public func decline(call: String, everywhere: Bool) async throws {
        try await core.decline(call: call, everywhere: everywhere)
    }

    public func hangup(call: String) async throws { try await core.hangup(call: call) }
    public func hold(call: String) async throws { try await core.hold(call: call) }
    public func resume(call: String) async throws { try await core.resume(call: call) }
    public func mute(call: String, on: Bool) async throws { try await core.mute(call: call, on: on) }

    public func sendDtmf(call: String, digits: String) async throws {
        try await core.sendDtmf(call: call, digits: digits)
    }

    public func transferBlind(call: String, target: String) async throws {
        try await core.transferBlind(call: call, target: target)
    }

    public func transferAttended(call: String, other: String) async throws {
        try await core.transferAttended(call: call, other: other)
    }

    public func handlePush(envelope: Data) -> IncomingCallHint { core.handlePush(envelope: envelope) }
    public func setPushToken(_ token: PushToken?) async throws { try await core.setPushToken(token: token) }
    public func networkChanged() { core.networkChanged() }

    public func addAccount(_ account: Account) async throws { try await core.addAccount(account: account) }
    public func updateAccount(_ account: Account) async throws { try await core.updateAccount(account: account) }
    public func removeAccount(key: String) async throws { try await core.removeAccount(key: key) }
    public func accounts() -> [AccountInfo] { core.accounts() }
    public func calls() -> [CallInfo] { core.calls() }
    public func stats(call: String) -> MediaStats? { core.stats(call: call) }

    // State streams keep only the newest value: a slow reader wants the present, not the past.
    public func registrations() -> AsyncStream<[AccountInfo]> {
        AsyncStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            let subscription = core.subscribeRegistrations(listener: RegistrationRelay(continuation))
            continuation.onTermination = { _ in subscription.cancel() }
        }
    }

    public func liveCalls() -> AsyncStream<[CallInfo]> {
        AsyncStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            let subscription = core.subscribeCalls(listener: CallsRelay(continuation))
            continuation.onTermination = { _ in subscription.cancel() }
        }
    }

    public func messageWaiting() -> AsyncStream<MessageWaiting> {
        // One value per account may be pending at once: keep a few.
        AsyncStream(bufferingPolicy: .bufferingNewest(8)) { continuation in
            let subscription = core.subscribeMwi(listener: MwiRelay(continuation))
            continuation.onTermination = { _ in subscription.cancel() }
        }
    }

    public func historyUpdates() -> AsyncStream<History> {
        AsyncStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            let subscription = core.subscribeHistory(listener: HistoryRelay(continuation))
            continuation.onTermination = { _ in subscription.cancel() }
        }
    }

    // Events are not state: every one counts (a DTMF digit, a failed transfer).
    public func events() -> AsyncStream<Event> {
        AsyncStream(bufferingPolicy: .unbounded) { continuation in
            let subscription = core.subscribeEvents(listener: EventRelay(continuation))
            continuation.onTermination = { _ in subscription.cancel() }
        }
    }

    public func history(limit: UInt32, missedOnly: Bool) async throws -> History {
        try await core.history(limit: limit, missedOnly: missedOnly)
    }

    public func markHistorySeen() async throws { try await core.markHistorySeen() }

    public func importContacts(_ cards: [ContactCard]) async throws -> ImportReport {
        try await core.importContacts(cards: cards)
    }

    public func searchContacts(query: String, limit: UInt32) async throws -> [Contact] {
        try await core.searchContacts(query: query, limit: limit)
    }

    public func lookupNumber(_ number: String) async throws -> Contact? {
        try await core.lookupNumber(number: number)
    }

    public func syncDirectory() async throws -> SyncReport { try await core.syncDirectory() }
    public func syncVoicemail() async throws -> SyncReport { try await core.syncVoicemail() }
    public func voicemails() async throws -> [Voicemail] { try await core.voicemails() }

    public func voicemailAudio(id: String) async throws -> URL {
        URL(fileURLWithPath: try await core.voicemailAudio(id: id))
    }

    public func setVoicemailHeard(id: String, heard: Bool) async throws {
        try await core.setVoicemailHeard(id: id, heard: heard)
    }

    public func deleteVoicemail(id: String) async throws { try await core.deleteVoicemail(id: id) }

    public func shutdown(timeoutMs: UInt64) async { await core.shutdown(timeoutMs: timeoutMs) }
}

/// The core's provisioning parser (the same code as Android's).
public struct CoreProvisioningParser: ProvisioningParser {
    public init() {}

    public func parse(_ input: String) throws -> Provisioning {
        try parseProvisioning(input: input)
    }
}

/// The core's number formatting for display.
public struct CoreNumberFormatting: NumberFormatting {
    private let region: String

    public init(region: String) {
        self.region = region
    }

    public func display(_ number: String) -> String {
        formatNumber(number: number, defaultRegion: region)
    }
}
