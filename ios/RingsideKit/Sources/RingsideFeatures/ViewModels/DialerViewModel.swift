import Foundation
import RingsideKit

/// The dialer: a number or name, contact suggestions as the user types (the core's prefix
/// search), and the call.
@MainActor
public final class DialerViewModel: ObservableObject {
    @Published public var entry = "" {
        didSet { if entry != oldValue { scheduleSearch() } }
    }
    @Published public private(set) var suggestions: [Contact] = []
    @Published public private(set) var error: String?

    private let phone: PhoneService
    private let screen: CallScreen
    private var search: Task<Void, Never>?
    /// Typing faster than this does not search for each key.
    private let debounce: Duration

    public init(phone: PhoneService, screen: CallScreen, debounce: Duration = .milliseconds(120)) {
        self.phone = phone
        self.screen = screen
        self.debounce = debounce
    }

    public func press(_ key: String) {
        entry += key
    }

    public func deleteLast() {
        if !entry.isEmpty { entry.removeLast() }
    }

    public func pick(_ contact: Contact, number: ContactNumber) {
        entry = number.number
        suggestions = []
    }

    public func dial() async {
        let target = entry.trimmingCharacters(in: .whitespaces)
        guard !target.isEmpty else { return }
        do {
            try await screen.startCall(target: target)
            entry = ""
            error = nil
        } catch let failure as PhoneError {
            error = SetupViewModel.message(failure)
        } catch {
            self.error = error.localizedDescription
        }
    }

    /// Runs the pending search now (tests, and the return key).
    public func searchNow() async {
        search?.cancel()
        await runSearch(entry)
    }

    private func scheduleSearch() {
        search?.cancel()
        let query = entry
        let debounce = self.debounce
        search = Task { [weak self] in
            try? await Task.sleep(for: debounce)
            guard !Task.isCancelled else { return }
            await self?.runSearch(query)
        }
    }

    private func runSearch(_ query: String) async {
        let trimmed = query.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else {
            suggestions = []
            return
        }
        let found = (try? await phone.searchContacts(query: trimmed, limit: 8)) ?? []
        // A newer keystroke wins over a slower, older answer.
        if query == entry { suggestions = found }
    }
}
