import Foundation
import RingsideCore

// The core's listener traits, implemented once: each forwards into an AsyncStream's
// continuation (thread-safe), so no listener ever blocks the core's threads or calls back
// into the phone.

final class RegistrationRelay: RegistrationListener {
    private let continuation: AsyncStream<[AccountInfo]>.Continuation

    init(_ continuation: AsyncStream<[AccountInfo]>.Continuation) {
        self.continuation = continuation
    }

    func onRegistrations(accounts: [AccountInfo]) {
        continuation.yield(accounts)
    }
}

final class CallsRelay: CallsListener {
    private let continuation: AsyncStream<[CallInfo]>.Continuation

    init(_ continuation: AsyncStream<[CallInfo]>.Continuation) {
        self.continuation = continuation
    }

    func onCalls(calls: [CallInfo]) {
        continuation.yield(calls)
    }
}

final class MwiRelay: MwiListener {
    private let continuation: AsyncStream<MessageWaiting>.Continuation

    init(_ continuation: AsyncStream<MessageWaiting>.Continuation) {
        self.continuation = continuation
    }

    func onMwi(account: String, newMessages: UInt32, oldMessages: UInt32) {
        continuation.yield(MessageWaiting(account: account, newMessages: newMessages, oldMessages: oldMessages))
    }
}

final class HistoryRelay: HistoryListener {
    private let continuation: AsyncStream<History>.Continuation

    init(_ continuation: AsyncStream<History>.Continuation) {
        self.continuation = continuation
    }

    func onHistory(history: History) {
        continuation.yield(history)
    }
}

final class EventRelay: EventListener {
    private let continuation: AsyncStream<Event>.Continuation

    init(_ continuation: AsyncStream<Event>.Continuation) {
        self.continuation = continuation
    }

    func onEvent(event: Event) {
        continuation.yield(event)
    }
}
