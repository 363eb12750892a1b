import RingsideFeatures
import RingsideKit
import RingsideMocks
import SwiftUI
import UIKit

@main
struct RingsideApp: App {
    @UIApplicationDelegateAdaptor(AppDelegate.self) private var delegate

    var body: some Scene {
        WindowGroup {
            RootView(app: delegate.composition.app)
                // A `ringside:` or https provisioning link opens the setup form filled in.
                .onOpenURL { url in delegate.composition.openProvisioning(url.absoluteString) }
                .onContinueUserActivity(NSUserActivityTypeBrowsingWeb) { activity in
                    if let url = activity.webpageURL { delegate.composition.openProvisioning(url.absoluteString) }
                }
        }
    }
}

/// PushKit must exist from launch: a push-woken app gets its push right after
/// `didFinishLaunching`, before any scene.
final class AppDelegate: NSObject, UIApplicationDelegate {
    private(set) lazy var composition = Composition(arguments: ProcessInfo.processInfo.arguments)

    func application(_ application: UIApplication, didFinishLaunchingWithOptions launchOptions: [UIApplication.LaunchOptionsKey: Any]? = nil) -> Bool {
        composition.launch()
        return true
    }
}

/// Builds the object graph once: the real core and platform services, or, with the
/// `-RingsideScriptedCore` launch argument (UI tests), the in-memory core behind the same
/// CallKit and push path.
@MainActor
final class Composition {
    let app: AppModel
    private let host: PhoneHost
    private let coordinator: CallCoordinator
    private let provider: CallKitProvider
    private let push: PushService
    private let network: NetworkMonitor
    private let scripted: Bool
    private let arguments: [String]

    init(arguments: [String]) {
        self.arguments = arguments
        scripted = arguments.contains("-RingsideScriptedCore")
        let bridge = AudioBridge()
        let audio: AudioSessionControl = scripted ? MockAudioSession() : SystemAudioSession(bridge: bridge)
        let secrets: SecretStoreService = scripted ? MockSecretStore() : KeychainSecretStore(accessGroup: Bundle.main.keychainGroup)
        // `-RingsideScriptedAccount`: start already set up, for tests that begin with a call.
        let preset = arguments.contains("-RingsideScriptedAccount")
            ? AppSettings(accounts: [SavedAccount(username: "1001", domain: "pbx.example.com", proxy: nil, displayName: nil)])
            : AppSettings()
        let settings: SettingsStore = scripted ? InMemorySettingsStore(preset) : DefaultsSettingsStore()
        if scripted {
            let phone = MockPhoneService()
            host = PhoneHost { settings, _ in
                for account in settings.accounts { try await phone.addAccount(account.account) }
                return phone
            }
        } else {
            let dataDir = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0].appendingPathComponent("Ringside")
            host = PhoneHost(starter: CoreLauncher.starter(dataDir: dataDir, secrets: secrets, log: OSLogSink(), audio: bridge,
                                                           userAgent: "Ringside-iOS/\(Bundle.main.shortVersion)"))
        }
        coordinator = CallCoordinator(host: host, audio: audio)
        provider = CallKitProvider(coordinator: coordinator)
        push = PushKitService()
        network = PathNetworkMonitor()
        let coordinator = self.coordinator
        app = AppModel(host: host, callScreen: CallKitScreen(host: host, audio: audio), secrets: secrets, settingsStore: settings,
                       audio: audio, parser: CoreProvisioningParser(), deviceContacts: SystemDeviceContacts(),
                       player: SystemAudioPlayback(), onCalls: { coordinator.callsChanged($0) })
    }

    func launch() {
        let host = self.host
        let coordinator = self.coordinator
        if !scripted {
            push.start(onToken: { token in
                let pushToken = token.map {
                    CoreLauncher.pushToken(deviceToken: $0, teamID: Bundle.main.teamID, bundleID: Bundle.main.bundleIdentifier ?? "app.ringside")
                }
                Task { try? await host.setPushToken(pushToken) }
            }, onPush: { envelope, completion in
                coordinator.handlePush(envelope: envelope, completion: completion)
            })
        }
        network.start { host.phone?.networkChanged() }
        #if DEBUG
        // The same handler as PushKit's, off the main thread as PushKit's queue is.
        DebugPush.handler = { payload in
            DispatchQueue.global(qos: .userInitiated).async {
                coordinator.handlePush(envelope: payload, completion: {})
            }
        }
        #endif
        let app = self.app
        let arguments = self.arguments
        Task {
            await app.start()
            #if DEBUG
            if let index = arguments.firstIndex(of: "-RingsideInjectPush"), index + 1 < arguments.count,
               let payload = Data(base64Encoded: arguments[index + 1]) {
                DebugPush.deliver(payload)
            }
            #endif
        }
    }

    func openProvisioning(_ link: String) {
        app.showingSetup = true
        app.pendingProvisioning = link
    }
}

extension Bundle {
    var shortVersion: String { object(forInfoDictionaryKey: "CFBundleShortVersionString") as? String ?? "0" }
    /// `RingsideTeamID` in Info.plist, set from the build setting DEVELOPMENT_TEAM.
    var teamID: String { object(forInfoDictionaryKey: "RingsideTeamID") as? String ?? "" }
    var keychainGroup: String? {
        guard !teamID.isEmpty, let id = bundleIdentifier else { return nil }
        return "\(teamID).\(id)"
    }
}
