import AVFoundation
import RingsideCore

/// The shared AVAudioSession and the call's AVAudioEngine (CallAudio). CallKit owns the
/// session's activation for VoIP calls: this only configures it beforehand and starts the
/// engine when CallKit says the session is live.
public final class SystemAudioSession: AudioSessionControl {
    private let audio: CallAudio
    private var running = false

    /// `bridge` is the one the phone was started with.
    public init(bridge: AudioBridge) {
        audio = CallAudio(bridge: bridge)
    }

    public func configure() throws {
        try CallAudio.configureSession()
    }

    public func activated() throws {
        guard !running else { return }
        try audio.start()
        running = true
    }

    public func deactivated() {
        guard running else { return }
        audio.stop()
        running = false
    }

    public func setSpeaker(_ on: Bool) throws {
        try AVAudioSession.sharedInstance().overrideOutputAudioPort(on ? .speaker : .none)
    }

    public var route: AudioRoute {
        guard let output = AVAudioSession.sharedInstance().currentRoute.outputs.first else { return .receiver }
        switch output.portType {
        case .builtInReceiver: return .receiver
        case .builtInSpeaker: return .speaker
        case .bluetoothHFP, .bluetoothA2DP, .bluetoothLE: return .bluetooth(name: output.portName)
        case .headphones, .headsetMic, .usbAudio: return .headphones(name: output.portName)
        default: return .other(name: output.portName)
        }
    }
}
