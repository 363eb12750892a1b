import Foundation
@_exported import RingsideCore

/// The core as the app sees it: every Phone method as Swift concurrency, every subscription
/// as an `AsyncStream`. `CorePhoneService` is the real one; `MockPhoneService` (RingsideMocks)
/// stands in for it in tests and in the UI tests' scripted mode.
///
/// Streams deliver the current state first, then every change (the core's subscriptions do),
/// on the core's threads: consumers iterate them from `@MainActor` code.
public protocol PhoneService: AnyObject, Sendable {
    func call(account: String?, target: String) async throws -> String
    func answer(call: String) async throws
    func decline(call: String, everywhere: Bool) async throws
    func hangup(call: String) async throws
    func hold(call: String) async throws
    func resume(call: String) async throws
    func mute(call: String, on: Bool) async throws
    func sendDtmf(call: String, digits: String) async throws
    func transferBlind(call: String, target: String) async throws
    func transferAttended(call: String, other: String) async throws

    /// Synchronous and never failing: the PushKit callback reports its hint to CallKit before
    /// it returns.
    func handlePush(envelope: Data) -> IncomingCallHint
    func setPushToken(_ token: PushToken?) async throws
    func networkChanged()

    func addAccount(_ account: Account) async throws
    func updateAccount(_ account: Account) async throws
    func removeAccount(key: String) async throws
    func accounts() -> [AccountInfo]
    func calls() -> [CallInfo]
    func stats(call: String) -> MediaStats?

    func registrations() -> AsyncStream<[AccountInfo]>
    func liveCalls() -> AsyncStream<[CallInfo]>
    func messageWaiting() -> AsyncStream<MessageWaiting>
    func historyUpdates() -> AsyncStream<History>
    func events() -> AsyncStream<Event>

    func history(limit: UInt32, missedOnly: Bool) async throws -> History
    func markHistorySeen() async throws

    func importContacts(_ cards: [ContactCard]) async throws -> ImportReport
    func searchContacts(query: String, limit: UInt32) async throws -> [Contact]
    func lookupNumber(_ number: String) async throws -> Contact?
    func syncDirectory() async throws -> SyncReport

    func syncVoicemail() async throws -> SyncReport
    func voicemails() async throws -> [Voicemail]
    /// A local WAV file the core cached.
    func voicemailAudio(id: String) async throws -> URL
    func setVoicemailHeard(id: String, heard: Bool) async throws
    func deleteVoicemail(id: String) async throws

    func shutdown(timeoutMs: UInt64) async
}

/// One MWI notification (RFC 3842), per account.
public struct MessageWaiting: Equatable, Sendable {
    public var account: String
    public var newMessages: UInt32
    public var oldMessages: UInt32

    public init(account: String, newMessages: UInt32, oldMessages: UInt32) {
        self.account = account
        self.newMessages = newMessages
        self.oldMessages = oldMessages
    }
}

/// Provisioning parsing and number formatting are the core's (shared with Android); behind a
/// protocol so view-model tests need no core.
public protocol ProvisioningParser: Sendable {
    func parse(_ input: String) throws -> Provisioning
}

public protocol NumberFormatting: Sendable {
    func display(_ number: String) -> String
}
