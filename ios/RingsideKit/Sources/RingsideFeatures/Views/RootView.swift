import SwiftUI
import RingsideKit

/// Tabs over the running phone; setup when no account is saved; the call screen over all
/// while a call lives.
public struct RootView: View {
    @ObservedObject var app: AppModel

    public init(app: AppModel) {
        self.app = app
    }

    public var body: some View {
        Group {
            if let phone = app.phone {
                MainTabs(app: app, phone: phone)
            } else if let error = app.startError {
                ContentUnavailableView("Ringside could not start", systemImage: "exclamationmark.triangle", description: Text(error))
            } else {
                ProgressView("Starting…")
            }
        }
    }
}

struct MainTabs: View {
    @ObservedObject var app: AppModel
    let phone: PhoneService
    @StateObject private var calls: CallViewModelHolder = CallViewModelHolder()

    var body: some View {
        TabView {
            DialerView(model: DialerViewModel(phone: phone, screen: app.callScreen), registration: app.registrationSummary,
                       registered: app.isRegistered)
                .tabItem { Label("Keypad", systemImage: "circle.grid.3x3.fill") }
            ContactsView(model: ContactsViewModel(phone: phone, device: app.deviceContacts, screen: app.callScreen))
                .tabItem { Label("Contacts", systemImage: "person.crop.circle") }
            HistoryView(model: HistoryViewModel(phone: phone, screen: app.callScreen))
                .tabItem { Label("Recents", systemImage: "clock") }
                .badge(Int(app.missedUnseen))
            VoicemailView(model: VoicemailViewModel(phone: phone, player: app.player))
                .tabItem { Label("Voicemail", systemImage: "recordingtape") }
                .badge(Int(app.newVoicemails))
            SettingsView(model: SettingsViewModel(store: app.settingsStore, secrets: app.secrets) { await app.start() },
                         registrations: app.registrations, addAccount: { app.showingSetup = true })
                .tabItem { Label("Settings", systemImage: "gear") }
        }
        .sheet(isPresented: $app.showingSetup) {
            SetupView(model: SetupViewModel(phone: phone, secrets: app.secrets, settings: app.settingsStore, parser: app.parser),
                      registrations: app.registrations, pending: $app.pendingProvisioning) { app.showingSetup = false }
                .interactiveDismissDisabled(app.registrations.isEmpty)
        }
        .fullScreenCover(isPresented: .constant(app.focusedCall != nil)) {
            CallView(model: calls.model(phone: phone, screen: app.callScreen, audio: app.audio))
        }
    }
}

/// Keeps one CallViewModel for the life of the tabs (the call screen comes and goes).
@MainActor
final class CallViewModelHolder: ObservableObject {
    private var cached: CallViewModel?

    func model(phone: PhoneService, screen: CallScreen, audio: AudioSessionControl) -> CallViewModel {
        if let cached { return cached }
        let model = CallViewModel(phone: phone, screen: screen, audio: audio)
        cached = model
        return model
    }
}
