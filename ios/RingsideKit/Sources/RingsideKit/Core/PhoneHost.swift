import Foundation
import RingsideCore

/// Owns the running phone for the app's process and hands it to whoever needs it, including
/// the PushKit callback, which runs on its own queue and may arrive while the phone is still
/// starting (a push-woken launch): that caller waits, bounded, on `waitForPhone`.
public final class PhoneHost: @unchecked Sendable {
    public typealias Starter = @Sendable (AppSettings, PushToken?) async throws -> PhoneService

    private let condition = NSCondition()
    private var current: PhoneService?
    private var pushToken: PushToken?
    private let starter: Starter

    public init(starter: @escaping Starter) {
        self.starter = starter
    }

    /// The phone if it is running.
    public var phone: PhoneService? {
        condition.lock()
        defer { condition.unlock() }
        return current
    }

    /// Blocks the calling (non-main) thread until the phone runs or `timeout` passes. Only the
    /// push queue uses this: iOS wants the call reported before the push callback returns.
    public func waitForPhone(timeout: TimeInterval) -> PhoneService? {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while current == nil {
            if !condition.wait(until: deadline) { break }
        }
        return current
    }

    /// Starts the phone with `settings`, stopping the one running first (settings changed).
    public func start(_ settings: AppSettings) async throws -> PhoneService {
        if let old = take() {
            await old.shutdown(timeoutMs: 2_000)
        }
        let phone = try await starter(settings, currentPushToken())
        condition.lock()
        current = phone
        condition.broadcast()
        condition.unlock()
        return phone
    }

    /// The VoIP token changed: kept for the next start, and given to the running phone.
    public func setPushToken(_ token: PushToken?) async throws {
        condition.lock()
        pushToken = token
        let phone = current
        condition.unlock()
        try await phone?.setPushToken(token)
    }

    public func stop() async {
        await take()?.shutdown(timeoutMs: 2_000)
    }

    private func take() -> PhoneService? {
        condition.lock()
        defer { condition.unlock() }
        let phone = current
        current = nil
        return phone
    }

    private func currentPushToken() -> PushToken? {
        condition.lock()
        defer { condition.unlock() }
        return pushToken
    }
}

/// Starts the real core.
public enum CoreLauncher {
    /// `dataDir` holds the core's SQLite database and cached voicemail; `audio` is the bridge
    /// CallAudio pumps for the process's life.
    public static func starter(dataDir: URL, secrets: SecretStore, log: LogSink?, audio: AudioBridge,
                               userAgent: String) -> PhoneHost.Starter {
        return { settings, push in
            try FileManager.default.createDirectory(at: dataDir, withIntermediateDirectories: true)
            let phone = try await startPhone(
                settings: settings.phoneSettings(dataDir: dataDir.path, push: push, userAgent: userAgent),
                secrets: secrets,
                log: log,
                audio: audio
            )
            return CorePhoneService(core: phone)
        }
    }

    /// The VoIP token as the core registers it (RFC 8599 `pn-provider=apns`, `pn-prid` the
    /// hex token, `pn-param` TEAMID.bundle-id.voip so the gateway picks the VoIP topic).
    public static func pushToken(deviceToken: Data, teamID: String, bundleID: String) -> PushToken {
        let hex = deviceToken.map { String(format: "%02x", $0) }.joined()
        return PushToken(provider: .apns, prid: hex, param: "\(teamID).\(bundleID).voip")
    }
}
