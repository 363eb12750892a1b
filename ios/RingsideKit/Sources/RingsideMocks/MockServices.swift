import CallKit
import Foundation
import RingsideKit

/// Records what the app asked of CallKit and carries it out on a `PhoneService` directly,
/// as CallKit's provider would.
@MainActor
public final class MockCallScreen: CallScreen {
    public private(set) var requests: [String] = []
    private let phone: PhoneService

    public init(phone: PhoneService) {
        self.phone = phone
    }

    public func startCall(target: String) async throws {
        requests.append("start \(target)")
        _ = try await phone.call(account: nil, target: target)
    }

    public func answer(call: String) async throws {
        requests.append("answer \(call)")
        try await phone.answer(call: call)
    }

    public func end(call: String) async throws {
        requests.append("end \(call)")
        let ringing = phone.calls().first { $0.call == call }?.state == .incoming
        if ringing { try await phone.decline(call: call, everywhere: false) } else { try await phone.hangup(call: call) }
    }

    public func setHeld(call: String, onHold: Bool) async throws {
        requests.append("held \(call) \(onHold)")
        if onHold { try await phone.hold(call: call) } else { try await phone.resume(call: call) }
    }

    public func setMuted(call: String, muted: Bool) async throws {
        requests.append("muted \(call) \(muted)")
        try await phone.mute(call: call, on: muted)
    }

    public func playDtmf(call: String, digits: String) async throws {
        requests.append("dtmf \(call) \(digits)")
        try await phone.sendDtmf(call: call, digits: digits)
    }
}

public final class MockSecretStore: SecretStoreService, @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: String] = [:]

    public init() {}

    public func password(kind: SecretKind, account: String) -> String? {
        lock.lock()
        defer { lock.unlock() }
        return values["\(kind)/\(account)"]
    }

    public func setPassword(_ password: String?, kind: SecretKind, account: String) throws {
        lock.lock()
        defer { lock.unlock() }
        values["\(kind)/\(account)"] = password
    }
}

public final class MockNetworkMonitor: NetworkMonitor {
    private var onChange: (@Sendable () -> Void)?

    public init() {}

    public func start(onChange: @escaping @Sendable () -> Void) { self.onChange = onChange }
    public func stop() { onChange = nil }

    /// Simulates Wi-Fi → cellular.
    public func change() { onChange?() }
}

public final class MockAudioSession: AudioSessionControl {
    public private(set) var log: [String] = []
    public var route: AudioRoute = .receiver

    public init() {}

    public func configure() throws { log.append("configure") }
    public func activated() throws { log.append("activated") }
    public func deactivated() { log.append("deactivated") }

    public func setSpeaker(_ on: Bool) throws {
        log.append("speaker \(on)")
        route = on ? .speaker : .receiver
    }
}

public final class MockPushService: PushService {
    private var onToken: ((Data?) -> Void)?
    private var onPush: ((Data, @escaping () -> Void) -> Void)?

    public init() {}

    public func start(onToken: @escaping (Data?) -> Void, onPush: @escaping (Data, @escaping () -> Void) -> Void) {
        self.onToken = onToken
        self.onPush = onPush
    }

    public func deliverToken(_ token: Data?) { onToken?(token) }

    /// Delivers a push; `completion` runs when the app has reported the call.
    public func deliverPush(_ payload: Data, completion: @escaping () -> Void) { onPush?(payload, completion) }
}

public struct MockProvisioningParser: ProvisioningParser {
    public var result: Result<Provisioning, PhoneError>

    public init(result: Result<Provisioning, PhoneError>) {
        self.result = result
    }

    public func parse(_ input: String) throws -> Provisioning { try result.get() }
}

public struct MockNumberFormatting: NumberFormatting {
    public init() {}
    public func display(_ number: String) -> String { number }
}

@MainActor
public final class MockAudioPlayback: AudioPlayback {
    public private(set) var played: [URL] = []
    public private(set) var isPlaying = false
    private var onFinish: (() -> Void)?

    public init() {}

    public func play(url: URL, onFinish: @escaping () -> Void) throws {
        played.append(url)
        isPlaying = true
        self.onFinish = onFinish
    }

    public func stop() { isPlaying = false }

    public func finish() {
        isPlaying = false
        onFinish?()
    }
}

public final class InMemorySettingsStore: SettingsStore {
    public var settings: AppSettings

    public init(_ settings: AppSettings = AppSettings()) {
        self.settings = settings
    }

    public func load() -> AppSettings { settings }
    public func save(_ settings: AppSettings) { self.settings = settings }
}

/// A `CallReporter` that records CallKit reports and completes them at once.
public final class MockCallReporter: CallReporter {
    public private(set) var reports: [String] = []
    public var refuseIncoming = false

    public init() {}

    public func reportIncoming(uuid: UUID, caller: String, name: String?, completion: @escaping (Error?) -> Void) {
        reports.append("incoming \(uuid.uuidString.lowercased()) \(caller)")
        completion(refuseIncoming ? NSError(domain: "CXErrorDomainIncomingCall", code: 3) : nil)
    }

    /// The end reasons reported, in order.
    public private(set) var ended: [CXCallEndedReason] = []

    public func reportEnded(uuid: UUID, reason: CXCallEndedReason) {
        ended.append(reason)
        reports.append("ended \(uuid.uuidString.lowercased())")
    }

    public func reportConnecting(uuid: UUID) { reports.append("connecting \(uuid.uuidString.lowercased())") }
    public func reportConnected(uuid: UUID) { reports.append("connected \(uuid.uuidString.lowercased())") }
}
