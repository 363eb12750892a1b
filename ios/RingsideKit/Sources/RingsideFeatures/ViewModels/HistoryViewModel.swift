import Foundation
import RingsideKit

/// The call history: unseen missed calls first, a missed-only filter, answered-elsewhere
/// shown as its own outcome (never missed: the core decides `missed`), and "mark seen".
@MainActor
public final class HistoryViewModel: ObservableObject {
    @Published public private(set) var history = History(entries: [], missedUnseen: 0)
    @Published public var missedOnly = false {
        didSet { if missedOnly != oldValue { Task { await reload() } } }
    }

    private let phone: PhoneService
    private let screen: CallScreen
    private var observer: Task<Void, Never>?

    public init(phone: PhoneService, screen: CallScreen) {
        self.phone = phone
        self.screen = screen
    }

    public func start() {
        guard observer == nil else { return }
        observer = Task { [weak self, phone] in
            for await history in phone.historyUpdates() {
                guard let self else { return }
                // The live stream is the whole history; the filter asks the core again.
                if self.missedOnly { await self.reload() } else { self.history = history }
            }
        }
    }

    public func stop() {
        observer?.cancel()
        observer = nil
    }

    public func reload() async {
        if let history = try? await phone.history(limit: 200, missedOnly: missedOnly) {
            self.history = history
        }
    }

    /// Unseen missed calls, newest first.
    public var unseenMissed: [CallLogEntry] { history.entries.filter { $0.missed && !$0.seen } }
    /// Everything else, newest first.
    public var rest: [CallLogEntry] { history.entries.filter { !($0.missed && !$0.seen) } }

    public func markSeen() async {
        try? await phone.markHistorySeen()
        await reload()
    }

    public func callBack(_ entry: CallLogEntry) async {
        try? await screen.startCall(target: entry.peer)
    }

    public func title(_ entry: CallLogEntry) -> String { entry.displayName ?? entry.peer }
    public func outcome(_ entry: CallLogEntry) -> String { CallText.historyOutcome(entry) }
}
