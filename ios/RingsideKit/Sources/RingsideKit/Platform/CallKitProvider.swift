import AVFoundation
import CallKit
import Foundation
import RingsideCore

/// The `CXProvider` and its delegate: CallKit's actions go to the coordinator and are
/// fulfilled when the core has done them; the audio engine runs only between CallKit's
/// `didActivate` and `didDeactivate` (design §5).
public final class CallKitProvider: NSObject, CXProviderDelegate, CallReporter {
    private let provider: CXProvider
    private let coordinator: CallCoordinator

    public init(coordinator: CallCoordinator, appName: String = "Ringside") {
        let configuration = CXProviderConfiguration()
        configuration.supportsVideo = false
        configuration.maximumCallGroups = 2          // a second call while one is held
        configuration.maximumCallsPerCallGroup = 1    // no conferences
        configuration.supportedHandleTypes = [.phoneNumber, .generic]
        configuration.includesCallsInRecents = true
        provider = CXProvider(configuration: configuration)
        self.coordinator = coordinator
        super.init()
        provider.setDelegate(self, queue: nil)
        coordinator.reporter = self
    }

    // MARK: CallReporter

    public func reportIncoming(uuid: UUID, caller: String, name: String?, completion: @escaping (Error?) -> Void) {
        provider.reportNewIncomingCall(with: uuid, update: Self.update(caller: caller, name: name), completion: completion)
    }

    public func reportEnded(uuid: UUID, reason: CXCallEndedReason) {
        provider.reportCall(with: uuid, endedAt: Date(), reason: reason)
    }

    public func reportConnecting(uuid: UUID) {
        provider.reportOutgoingCall(with: uuid, startedConnectingAt: Date())
    }

    public func reportConnected(uuid: UUID) {
        provider.reportOutgoingCall(with: uuid, connectedAt: Date())
    }

    static func update(caller: String, name: String?) -> CXCallUpdate {
        let update = CXCallUpdate()
        update.remoteHandle = CXHandle(type: caller.allSatisfy { "+0123456789".contains($0) } ? .phoneNumber : .generic, value: caller)
        update.localizedCallerName = name
        update.hasVideo = false
        update.supportsHolding = true
        update.supportsDTMF = true
        update.supportsGrouping = false
        update.supportsUngrouping = false
        return update
    }

    // MARK: CXProviderDelegate

    public func providerDidReset(_ provider: CXProvider) {
        coordinator.audioDeactivated()
        coordinator.reset()
    }

    public func provider(_ provider: CXProvider, perform action: CXStartCallAction) {
        // The core placed the call before CallKit was asked (CallKitScreen.startCall).
        coordinator.started(call: action.callUUID)
        provider.reportOutgoingCall(with: action.callUUID, startedConnectingAt: nil)
        action.fulfill()
    }

    public func provider(_ provider: CXProvider, perform action: CXAnswerCallAction) {
        let coordinator = self.coordinator
        Task {
            do {
                try await coordinator.answer(call: action.callUUID)
                action.fulfill()
            } catch {
                action.fail()
            }
        }
    }

    public func provider(_ provider: CXProvider, perform action: CXEndCallAction) {
        let coordinator = self.coordinator
        Task {
            // Ending never fails from the user's side: the call is gone from CallKit either way.
            try? await coordinator.end(call: action.callUUID)
            action.fulfill()
        }
    }

    public func provider(_ provider: CXProvider, perform action: CXSetHeldCallAction) {
        let coordinator = self.coordinator
        Task {
            do {
                try await coordinator.setHeld(call: action.callUUID, onHold: action.isOnHold)
                action.fulfill()
            } catch {
                action.fail()
            }
        }
    }

    public func provider(_ provider: CXProvider, perform action: CXSetMutedCallAction) {
        let coordinator = self.coordinator
        Task {
            do {
                try await coordinator.setMuted(call: action.callUUID, muted: action.isMuted)
                action.fulfill()
            } catch {
                action.fail()
            }
        }
    }

    public func provider(_ provider: CXProvider, perform action: CXPlayDTMFCallAction) {
        let coordinator = self.coordinator
        Task {
            do {
                try await coordinator.playDtmf(call: action.callUUID, digits: action.digits)
                action.fulfill()
            } catch {
                action.fail()
            }
        }
    }

    public func provider(_ provider: CXProvider, didActivate audioSession: AVAudioSession) {
        coordinator.audioActivated()
    }

    public func provider(_ provider: CXProvider, didDeactivate audioSession: AVAudioSession) {
        coordinator.audioDeactivated()
    }
}

/// `CallScreen` through `CXCallController`: the app's buttons request the same CallKit
/// transactions the system UI does, so there is one path per action.
@MainActor
public final class CallKitScreen: CallScreen {
    private let controller = CXCallController()
    private let host: PhoneHost
    private let audio: AudioSessionControl

    public init(host: PhoneHost, audio: AudioSessionControl) {
        self.host = host
        self.audio = audio
    }

    public func startCall(target: String) async throws {
        guard let phone = host.phone else { throw PhoneError.Other(reason: "the phone is not running") }
        try audio.configure()
        // The core's call id is the CallKit UUID, so the core dials first.
        let call = try await phone.call(account: nil, target: target)
        guard let uuid = UUID(uuidString: call) else { return }
        let action = CXStartCallAction(call: uuid, handle: CXHandle(type: .generic, value: target))
        do {
            try await controller.request(CXTransaction(action: action))
        } catch {
            try? await phone.hangup(call: call)
            throw error
        }
    }

    public func answer(call: String) async throws {
        try await request(CXAnswerCallAction(call: try uuid(call)))
    }

    public func end(call: String) async throws {
        try await request(CXEndCallAction(call: try uuid(call)))
    }

    public func setHeld(call: String, onHold: Bool) async throws {
        try await request(CXSetHeldCallAction(call: try uuid(call), onHold: onHold))
    }

    public func setMuted(call: String, muted: Bool) async throws {
        try await request(CXSetMutedCallAction(call: try uuid(call), muted: muted))
    }

    public func playDtmf(call: String, digits: String) async throws {
        try await request(CXPlayDTMFCallAction(call: try uuid(call), digits: digits, type: .singleTone))
    }

    private func request(_ action: CXCallAction) async throws {
        try await controller.request(CXTransaction(action: action))
    }

    private func uuid(_ call: String) throws -> UUID {
        guard let uuid = UUID(uuidString: call) else { throw PhoneError.NotFound(call: call) }
        return uuid
    }
}
