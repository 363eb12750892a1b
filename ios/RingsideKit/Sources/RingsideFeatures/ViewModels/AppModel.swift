import Foundation
import RingsideKit

/// The app's root state: whether an account is set up, the phone's registrations, the live
/// calls (which decide when the call screen shows), MWI and the unseen-missed badge.
@MainActor
public final class AppModel: ObservableObject {
    @Published public private(set) var phone: PhoneService?
    @Published public private(set) var startError: String?
    @Published public private(set) var registrations: [AccountInfo] = []
    @Published public private(set) var calls: [CallInfo] = []
    @Published public private(set) var newVoicemails: UInt32 = 0
    @Published public private(set) var missedUnseen: UInt32 = 0
    @Published public var showingSetup = false
    /// A provisioning link the app was opened with, for the setup form to apply.
    @Published public var pendingProvisioning: String?

    public let host: PhoneHost
    public let callScreen: CallScreen
    public let secrets: SecretStoreService
    public let settingsStore: SettingsStore
    public let audio: AudioSessionControl
    public let parser: ProvisioningParser
    public let deviceContacts: DeviceContactsSource
    public let player: AudioPlayback
    private let onCalls: ([CallInfo]) -> Void
    private var observers: [Task<Void, Never>] = []

    /// `onCalls` sees every call list first (CallKit is brought in line there).
    public init(host: PhoneHost, callScreen: CallScreen, secrets: SecretStoreService, settingsStore: SettingsStore,
                audio: AudioSessionControl, parser: ProvisioningParser, deviceContacts: DeviceContactsSource,
                player: AudioPlayback, onCalls: @escaping ([CallInfo]) -> Void = { _ in }) {
        self.host = host
        self.callScreen = callScreen
        self.secrets = secrets
        self.settingsStore = settingsStore
        self.audio = audio
        self.parser = parser
        self.deviceContacts = deviceContacts
        self.player = player
        self.onCalls = onCalls
    }

    /// Starts (or restarts, after a settings change) the phone and follows its streams.
    public func start() async {
        let settings = settingsStore.load()
        showingSetup = settings.accounts.isEmpty
        do {
            let phone = try await host.start(settings)
            startError = nil
            observe(phone)
            self.phone = phone
        } catch {
            startError = "The phone did not start: \(error.localizedDescription)"
        }
    }

    /// The call the call screen shows: ringing first (it needs an answer), then the active
    /// one, then a held one.
    public var focusedCall: CallInfo? {
        calls.first { $0.state == .incoming }
            ?? calls.first { $0.state == .active }
            ?? calls.first { call in
                if case .held = call.state { return false }
                return !Self.isEnded(call.state)
            }
            ?? calls.first { !Self.isEnded($0.state) }
    }

    public var registrationSummary: String {
        guard let first = registrations.first else { return "No account" }
        return CallText.registration(first.state)
    }

    public var isRegistered: Bool {
        registrations.contains { CallText.isRegistered($0.state) }
    }

    static func isEnded(_ state: CallState) -> Bool {
        if case .ended = state { return true }
        return false
    }

    private func observe(_ phone: PhoneService) {
        observers.forEach { $0.cancel() }
        observers = [
            Task { [weak self] in
                for await accounts in phone.registrations() { self?.registrations = accounts }
            },
            Task { [weak self] in
                for await calls in phone.liveCalls() {
                    self?.onCalls(calls)
                    self?.calls = calls
                }
            },
            Task { [weak self] in
                for await mwi in phone.messageWaiting() { self?.newVoicemails = mwi.newMessages }
            },
            Task { [weak self] in
                for await history in phone.historyUpdates() { self?.missedUnseen = history.missedUnseen }
            },
        ]
    }
}
