import Foundation
import RingsideKit

/// The incoming and in-call screens: one call in focus, the others (held, or ringing as a
/// second call) beside it. CallKit-backed actions go through `CallScreen`; transfers, which
/// CallKit has no action for, go to the core directly.
@MainActor
public final class CallViewModel: ObservableObject {
    @Published public private(set) var calls: [CallInfo] = []
    @Published public private(set) var focusedId: String?
    @Published public private(set) var speaker = false
    @Published public private(set) var routeName = "Receiver"
    @Published public var keypadDigits = ""
    @Published public private(set) var error: String?

    private let phone: PhoneService
    private let screen: CallScreen
    private let audio: AudioSessionControl
    private var observer: Task<Void, Never>?

    public init(phone: PhoneService, screen: CallScreen, audio: AudioSessionControl) {
        self.phone = phone
        self.screen = screen
        self.audio = audio
    }

    public func start() {
        guard observer == nil else { return }
        observer = Task { [weak self, phone] in
            for await calls in phone.liveCalls() { self?.update(calls) }
        }
    }

    public func stop() {
        observer?.cancel()
        observer = nil
    }

    public var focused: CallInfo? { calls.first { $0.call == focusedId } }
    /// Calls other than the focused one: the attended-transfer targets and swap candidates.
    public var others: [CallInfo] { calls.filter { $0.call != focusedId } }

    public var isRinging: Bool { focused?.state == .incoming }

    public var isHeld: Bool {
        if case .held = focused?.state { return true }
        return false
    }

    public var title: String {
        guard let call = focused else { return "" }
        return call.remoteName ?? call.remote
    }

    public var status: String { focused.map { CallText.state($0.state) } ?? "" }

    /// Applies a new call list; the focus stays on its call while that one lives.
    public func update(_ calls: [CallInfo]) {
        let live = calls.filter { if case .ended = $0.state { return false } else { return true } }
        self.calls = live
        if let focusedId, live.contains(where: { $0.call == focusedId && $0.state != .held(byRemote: false) }) { return }
        focusedId = (live.first { $0.state == .incoming } ?? live.first { $0.state == .active } ?? live.first)?.call
    }

    public func focus(_ call: String) { focusedId = call }

    public func answer() async { await run { try await $0.screen.answer(call: $1) } }
    public func decline() async { await run { try await $0.screen.end(call: $1) } }
    public func hangup() async { await run { try await $0.screen.end(call: $1) } }

    public func toggleHold() async {
        let held = isHeld
        await run { try await $0.screen.setHeld(call: $1, onHold: !held) }
    }

    public func toggleMute() async {
        let muted = focused?.muted ?? false
        await run { try await $0.screen.setMuted(call: $1, muted: !muted) }
    }

    public func toggleSpeaker() {
        do {
            try audio.setSpeaker(!speaker)
            speaker.toggle()
            routeName = Self.name(audio.route)
        } catch {
            self.error = error.localizedDescription
        }
    }

    public func refreshRoute() {
        routeName = Self.name(audio.route)
        speaker = audio.route == .speaker
    }

    public func press(digit: String) async {
        keypadDigits += digit
        await run { try await $0.screen.playDtmf(call: $1, digits: digit) }
    }

    public func transferBlind(to target: String) async {
        let target = target.trimmingCharacters(in: .whitespaces)
        guard !target.isEmpty else { return }
        await run { try await $0.phone.transferBlind(call: $1, target: target) }
    }

    /// Connects the focused call's far end to `other`'s (both were talked to here).
    public func transferAttended(to other: String) async {
        await run { try await $0.phone.transferAttended(call: $1, other: other) }
    }

    /// A second call: the focused one is held first (CallKit's hold), then the new one dials.
    public func startSecondCall(to target: String) async {
        let target = target.trimmingCharacters(in: .whitespaces)
        guard !target.isEmpty else { return }
        do {
            if let call = focused, call.state == .active {
                try await screen.setHeld(call: call.call, onHold: true)
            }
            try await screen.startCall(target: target)
        } catch {
            self.error = Self.describe(error)
        }
    }

    /// Swaps to `call`: the focused one is held and `call` resumes.
    public func swap(to call: String) async {
        do {
            if let current = focused, current.state == .active {
                try await screen.setHeld(call: current.call, onHold: true)
            }
            try await screen.setHeld(call: call, onHold: false)
            focusedId = call
        } catch {
            self.error = Self.describe(error)
        }
    }

    private func run(_ action: (CallViewModel, String) async throws -> Void) async {
        guard let call = focusedId else { return }
        do {
            try await action(self, call)
            error = nil
        } catch {
            self.error = Self.describe(error)
        }
    }

    static func describe(_ error: Error) -> String {
        if let failure = error as? PhoneError { return SetupViewModel.message(failure) }
        return error.localizedDescription
    }

    static func name(_ route: AudioRoute) -> String {
        switch route {
        case .receiver: return "Receiver"
        case .speaker: return "Speaker"
        case .bluetooth(let name), .headphones(let name), .other(let name): return name
        }
    }
}
