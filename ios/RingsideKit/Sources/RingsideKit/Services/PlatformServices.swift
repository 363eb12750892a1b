import Foundation
import RingsideCore

/// The system call screen (CallKit). The app asks it for every user action CallKit has an
/// action for, so the lock screen, CarPlay and Bluetooth buttons and the app's own buttons go
/// the same way: through `CXCallController` into the provider, then into the core.
@MainActor
public protocol CallScreen: AnyObject {
    /// Places a call: the core dials, then CallKit is told (`CXStartCallAction`).
    func startCall(target: String) async throws
    func answer(call: String) async throws
    func end(call: String) async throws
    func setHeld(call: String, onHold: Bool) async throws
    func setMuted(call: String, muted: Bool) async throws
    func playDtmf(call: String, digits: String) async throws
}

/// VoIP push registration (PushKit).
public protocol PushService: AnyObject {
    /// Starts listening; `onToken` gets the VoIP token (nil when invalidated), `onPush` each
    /// push with a completion to call once the call has been reported to CallKit.
    func start(onToken: @escaping (Data?) -> Void, onPush: @escaping (Data, @escaping () -> Void) -> Void)
}

/// Secrets the shell keeps for the core: reads through the core's own `SecretStore` trait
/// (asked when the phone starts, possibly while the device is locked after a push), writes
/// from account setup and settings.
public protocol SecretStoreService: SecretStore {
    func setPassword(_ password: String?, kind: SecretKind, account: String) throws
}

/// Network path changes (Wi-Fi ↔ cellular, VPN): the core re-registers and re-INVITEs.
public protocol NetworkMonitor: AnyObject {
    func start(onChange: @escaping @Sendable () -> Void)
    func stop()
}

/// Where call audio goes.
public enum AudioRoute: Equatable, Sendable {
    case receiver, speaker, bluetooth(name: String), headphones(name: String), other(name: String)
}

/// The AVAudioSession and the call audio engine, as CallKit drives them: configure before a
/// call is reported, start the engine only when CallKit activates the session.
public protocol AudioSessionControl: AnyObject {
    func configure() throws
    func activated() throws
    func deactivated()
    func setSpeaker(_ on: Bool) throws
    var route: AudioRoute { get }
}

/// Plays a voicemail file.
@MainActor
public protocol AudioPlayback: AnyObject {
    func play(url: URL, onFinish: @escaping () -> Void) throws
    func stop()
    var isPlaying: Bool { get }
}

/// The device address book, read for the core's bulk import.
public protocol DeviceContactsSource: AnyObject {
    func fetchCards() async throws -> [ContactCard]
}
