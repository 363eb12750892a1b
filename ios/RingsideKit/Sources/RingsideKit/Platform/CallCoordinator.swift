import CallKit
import Foundation
import RingsideCore

/// What the coordinator needs of CallKit's `CXProvider`; `CallKitProvider` is the real one.
public protocol CallReporter: AnyObject {
    func reportIncoming(uuid: UUID, caller: String, name: String?, completion: @escaping (Error?) -> Void)
    func reportEnded(uuid: UUID, reason: CXCallEndedReason)
    func reportConnecting(uuid: UUID)
    func reportConnected(uuid: UUID)
}

/// The call logic between CallKit and the core: pushes become reported calls, CallKit actions
/// become core commands, the core's call list becomes CallKit updates. CallKit and the core
/// share one id per call (the core's call uuid), so nothing here maps ids.
///
/// Inputs: pushes (on the push queue), provider actions and the live call list (main queue).
/// Outputs: `CallReporter` reports, `PhoneService` commands, audio session start/stop.
public final class CallCoordinator: @unchecked Sendable {
    private let host: PhoneHost
    private let audio: AudioSessionControl
    public weak var reporter: CallReporter?
    private let lock = NSLock()
    /// Calls CallKit knows about and has not been told have ended.
    private var reported: Set<UUID> = []
    /// How long a push-woken launch may wait for the phone before the call is reported
    /// failed: iOS kills an app that returns from a VoIP push without a report.
    private let startTimeout: TimeInterval

    public init(host: PhoneHost, audio: AudioSessionControl, startTimeout: TimeInterval = 3) {
        self.host = host
        self.audio = audio
        self.startTimeout = startTimeout
    }

    // MARK: Push (PushKit's queue)

    /// Reports the push's call to CallKit before `completion` (design §5), including the
    /// calls that are already over: those are reported, then ended with their reason.
    public func handlePush(envelope: Data, completion: @escaping () -> Void) {
        guard let reporter else {
            completion()
            return
        }
        try? audio.configure()
        guard let phone = host.waitForPhone(timeout: startTimeout) else {
            // No phone to ask: still report (iOS requires it), and end at once.
            let uuid = UUID()
            reporter.reportIncoming(uuid: uuid, caller: "Ringside", name: nil) { [weak reporter] _ in
                reporter?.reportEnded(uuid: uuid, reason: .failed)
                completion()
            }
            return
        }
        let hint = phone.handlePush(envelope: envelope)
        let uuid = UUID(uuidString: hint.call) ?? UUID()
        switch hint.action {
        case .ring:
            markReported(uuid)
            reporter.reportIncoming(uuid: uuid, caller: hint.caller, name: hint.displayName) { [weak self] error in
                if error != nil {
                    // CallKit refused it (Do Not Disturb, blocked number): 486 here only,
                    // the desk phone keeps ringing.
                    self?.unmarkReported(uuid)
                    Task { try? await phone.decline(call: hint.call, everywhere: false) }
                }
                completion()
            }
        case .alreadyRinging:
            // A duplicate push still has to be reported; CallKit answers "UUID already
            // exists" for the same call, and nothing rings twice.
            reporter.reportIncoming(uuid: uuid, caller: hint.caller, name: hint.displayName) { _ in completion() }
        case .end(let reason, _):
            reporter.reportIncoming(uuid: uuid, caller: hint.caller, name: hint.displayName) { [weak self] _ in
                self?.unmarkReported(uuid)
                self?.reporter?.reportEnded(uuid: uuid, reason: CallEndMapping.callKitReason(reason))
                completion()
            }
        }
    }

    // MARK: The core's live calls (main queue)

    /// Brings CallKit in line with the core: a call that rang without a push (the app was
    /// awake) is reported, outgoing progress is reported, and a call the core ended is
    /// ended in CallKit with its reason.
    public func callsChanged(_ calls: [CallInfo]) {
        guard let reporter else { return }
        for call in calls {
            guard let uuid = UUID(uuidString: call.call) else { continue }
            switch call.state {
            case .incoming:
                if markReported(uuid) {
                    try? audio.configure()
                    reporter.reportIncoming(uuid: uuid, caller: call.remote, name: call.remoteName) { _ in }
                }
            case .dialing:
                break
            case .remoteRinging:
                if call.direction == .outgoing { reporter.reportConnecting(uuid: uuid) }
            case .active:
                if call.direction == .outgoing && call.answeredMs != nil && isReported(uuid) {
                    reporter.reportConnected(uuid: uuid)
                }
            case .held:
                break
            case .ended(let reason, _):
                if unmarkReported(uuid), let mapped = CallEndMapping.callKitReasonIfRemote(reason) {
                    reporter.reportEnded(uuid: uuid, reason: mapped)
                }
            }
        }
        // A call gone from the list without an Ended state (the core restarted): end it.
        let live = Set(calls.compactMap { UUID(uuidString: $0.call) })
        for uuid in reportedSnapshot() where !live.contains(uuid) {
            if unmarkReported(uuid) { reporter.reportEnded(uuid: uuid, reason: .remoteEnded) }
        }
    }

    // MARK: CallKit actions (main queue)

    /// A call the core already placed (`CallKitScreen.startCall`): CallKit now owns its UI.
    public func started(call: UUID) {
        markReported(call)
    }

    /// Works before the INVITE has arrived: the core keeps the answer as an intent.
    public func answer(call: UUID) async throws {
        try await requirePhone().answer(call: call.uuidString.lowercased())
    }

    /// Decline if it still rings here (486: the desk phone keeps ringing), else hang up.
    public func end(call: UUID) async throws {
        unmarkReported(call)
        let phone = try requirePhone()
        let id = call.uuidString.lowercased()
        let ringing = phone.calls().first { $0.call == id }.map { $0.state == .incoming } ?? false
        do {
            if ringing {
                try await phone.decline(call: id, everywhere: false)
            } else {
                try await phone.hangup(call: id)
            }
        } catch PhoneError.NotFound {
            // It ended meanwhile: what the user wanted.
        }
    }

    public func setHeld(call: UUID, onHold: Bool) async throws {
        let phone = try requirePhone()
        let id = call.uuidString.lowercased()
        if onHold { try await phone.hold(call: id) } else { try await phone.resume(call: id) }
    }

    public func setMuted(call: UUID, muted: Bool) async throws {
        try await requirePhone().mute(call: call.uuidString.lowercased(), on: muted)
    }

    public func playDtmf(call: UUID, digits: String) async throws {
        try await requirePhone().sendDtmf(call: call.uuidString.lowercased(), digits: digits)
    }

    /// CallKit reset (its daemon restarted): every call it knew is gone; end them in the core.
    public func reset() {
        let calls = reportedSnapshot()
        lock.lock()
        reported.removeAll()
        lock.unlock()
        guard let phone = host.phone else { return }
        for uuid in calls {
            Task { try? await phone.hangup(call: uuid.uuidString.lowercased()) }
        }
    }

    public func audioActivated() {
        try? audio.activated()
    }

    public func audioDeactivated() {
        audio.deactivated()
    }

    // MARK: State

    private func requirePhone() throws -> PhoneService {
        guard let phone = host.phone else { throw PhoneError.Other(reason: "the phone is not running") }
        return phone
    }

    @discardableResult
    private func markReported(_ uuid: UUID) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return reported.insert(uuid).inserted
    }

    @discardableResult
    private func unmarkReported(_ uuid: UUID) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return reported.remove(uuid) != nil
    }

    private func isReported(_ uuid: UUID) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return reported.contains(uuid)
    }

    private func reportedSnapshot() -> Set<UUID> {
        lock.lock()
        defer { lock.unlock() }
        return reported
    }
}

/// The core's end reasons as CallKit's, so Recents and the lock screen say what happened.
public enum CallEndMapping {
    public static func callKitReason(_ reason: EndReason) -> CXCallEndedReason {
        switch reason {
        case .answeredElsewhere: return .answeredElsewhere
        case .declinedElsewhere: return .declinedElsewhere
        // The caller gave up before anyone answered: a missed call in Recents.
        case .cancelled, .unanswered: return .unanswered
        case .failed: return .failed
        case .localHangup, .remoteHangup, .busy, .declined: return .remoteEnded
        }
    }

    /// Nil when CallKit ended the call itself (the user's own hang-up or decline went
    /// through a `CXEndCallAction`), so it is not reported twice.
    public static func callKitReasonIfRemote(_ reason: EndReason) -> CXCallEndedReason? {
        switch reason {
        case .localHangup, .declined: return nil
        default: return callKitReason(reason)
        }
    }
}
