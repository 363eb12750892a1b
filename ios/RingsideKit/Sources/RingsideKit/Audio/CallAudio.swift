import AVFoundation
import RingsideCore
#if canImport(RingsideCoreFFI)
import RingsideCoreFFI // ringside_audio_push / ringside_audio_pull (RingsideAudio.h)
#endif

/// The call's audio on iOS: AVAudioEngine with Apple's voice processing (echo cancellation,
/// AGC) feeds the microphone to the core and plays what the core decoded, through the core's
/// foreign audio backend (`AudioBridge`, rust-core/ffi/src/audio.rs).
///
/// Started only from CallKit's `provider(_:didActivate:)` and stopped from `didDeactivate`
/// (design §5): iOS owns the session's activation for VoIP calls. The render and tap blocks
/// call the core's C entry points, which neither lock nor allocate; the formats are fixed and
/// converters and buffers are made once, before the engine starts.
final class CallAudio {
    private let engine = AVAudioEngine()
    private let handle: UInt64
    /// The core's format: 48 kHz, mono, interleaved Int16.
    private let coreFormat = AVAudioFormat(commonFormat: .pcmFormatInt16, sampleRate: 48_000, channels: 1, interleaved: true)!
    /// What the mixer takes: 48 kHz mono Float32 (AVAudioEngine's standard format).
    private let playFormat = AVAudioFormat(standardFormatWithSampleRate: 48_000, channels: 1)!
    private var source: AVAudioSourceNode?
    private var converter: AVAudioConverter?
    private var converted: AVAudioPCMBuffer?
    /// Int16 scratch for the render block, allocated once (the render thread must not).
    private let scratch = UnsafeMutablePointer<Int16>.allocate(capacity: 8192)

    deinit {
        scratch.deallocate()
    }

    /// `bridge` is the one handed to `Phone.start`; kept alive by the caller for the app's life.
    init(bridge: AudioBridge) {
        handle = bridge.realtimeHandle()
    }

    /// Configures the session before CallKit activates it (call from `reportNewIncomingCall`
    /// and `CXStartCallAction`), not after.
    static func configureSession() throws {
        let session = AVAudioSession.sharedInstance()
        try session.setCategory(.playAndRecord, mode: .voiceChat, options: [.allowBluetooth, .allowBluetoothA2DP])
        try session.setPreferredSampleRate(48_000)
        try session.setPreferredIOBufferDuration(0.01)
    }

    /// From `provider(_:didActivate:)`.
    func start() throws {
        let input = engine.inputNode
        try input.setVoiceProcessingEnabled(true)
        let hardware = input.outputFormat(forBus: 0)
        let frames = AVAudioFrameCount(hardware.sampleRate / 50) // 20 ms
        guard let converter = AVAudioConverter(from: hardware, to: coreFormat),
              let converted = AVAudioPCMBuffer(pcmFormat: coreFormat, frameCapacity: AVAudioFrameCount(coreFormat.sampleRate / 50) * 2)
        else { throw CallAudioError.format(hardware) }
        self.converter = converter
        self.converted = converted
        let handle = self.handle
        input.installTap(onBus: 0, bufferSize: frames, format: hardware) { buffer, _ in
            // Into the core's format, then into the call's capture ring.
            converted.frameLength = 0
            var fed = false
            let status = converter.convert(to: converted, error: nil) { _, outStatus in
                if fed {
                    outStatus.pointee = .noDataNow
                    return nil
                }
                fed = true
                outStatus.pointee = .haveData
                return buffer
            }
            guard status != .error, let samples = converted.int16ChannelData?[0] else { return }
            _ = ringside_audio_push(handle, samples, Int(converted.frameLength))
        }
        let scratch = self.scratch
        let source = AVAudioSourceNode(format: playFormat) { _, _, frameCount, audioBufferList -> OSStatus in
            let n = min(Int(frameCount), 8192)
            ringside_audio_pull(handle, scratch, n)
            for buffer in UnsafeMutableAudioBufferListPointer(audioBufferList) {
                guard let data = buffer.mData?.assumingMemoryBound(to: Float.self) else { continue }
                for i in 0..<n {
                    data[i] = Float(scratch[i]) / 32768
                }
            }
            return noErr
        }
        self.source = source
        engine.attach(source)
        engine.connect(source, to: engine.mainMixerNode, format: playFormat)
        engine.prepare()
        try engine.start()
    }

    /// From `provider(_:didDeactivate:)`.
    func stop() {
        engine.inputNode.removeTap(onBus: 0)
        engine.stop()
        if let source { engine.detach(source) }
        source = nil
    }
}

enum CallAudioError: Error {
    case format(AVAudioFormat)
}
