import AVFoundation
import Foundation

/// Voicemail playback with AVAudioPlayer on the core's cached WAV, through the current
/// route (the session is left as it is: outside calls CallKit does not own it).
@MainActor
public final class SystemAudioPlayback: NSObject, AudioPlayback, AVAudioPlayerDelegate {
    private var player: AVAudioPlayer?
    private var onFinish: (() -> Void)?

    public override init() {
        super.init()
    }

    public func play(url: URL, onFinish: @escaping () -> Void) throws {
        stop()
        let player = try AVAudioPlayer(contentsOf: url)
        player.delegate = self
        player.prepareToPlay()
        player.play()
        self.player = player
        self.onFinish = onFinish
    }

    public func stop() {
        player?.stop()
        player = nil
        onFinish = nil
    }

    public var isPlaying: Bool { player?.isPlaying ?? false }

    nonisolated public func audioPlayerDidFinishPlaying(_ player: AVAudioPlayer, successfully flag: Bool) {
        Task { @MainActor in
            let finish = self.onFinish
            self.player = nil
            self.onFinish = nil
            finish?()
        }
    }
}
