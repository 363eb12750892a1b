import Foundation
import RingsideKit

/// Voicemail from the PBX's mailbox: list, playback of the core's cached WAV, heard state
/// (IMAP `\Seen`, kept by the core), delete.
@MainActor
public final class VoicemailViewModel: ObservableObject {
    @Published public private(set) var messages: [Voicemail] = []
    @Published public private(set) var playing: String?
    @Published public private(set) var status: String?

    private let phone: PhoneService
    private let player: AudioPlayback

    public init(phone: PhoneService, player: AudioPlayback) {
        self.phone = phone
        self.player = player
    }

    public func load() async {
        do {
            messages = try await phone.voicemails()
        } catch {
            status = CallViewModel.describe(error)
        }
    }

    public func sync() async {
        do {
            let report = try await phone.syncVoicemail()
            status = report.added > 0 ? "\(report.added) new" : nil
            await load()
        } catch {
            status = CallViewModel.describe(error)
        }
    }

    /// Plays a message (fetching it first when the phone has no copy) and marks it heard.
    public func play(_ id: String) async {
        if playing == id {
            player.stop()
            playing = nil
            return
        }
        do {
            let url = try await phone.voicemailAudio(id: id)
            player.stop()
            try player.play(url: url) { [weak self] in self?.playing = nil }
            playing = id
            if messages.first(where: { $0.id == id })?.heard == false {
                try await phone.setVoicemailHeard(id: id, heard: true)
                setHeard(id, true)
            }
        } catch {
            status = CallViewModel.describe(error)
        }
    }

    public func toggleHeard(_ id: String) async {
        guard let message = messages.first(where: { $0.id == id }) else { return }
        do {
            try await phone.setVoicemailHeard(id: id, heard: !message.heard)
            setHeard(id, !message.heard)
        } catch {
            status = CallViewModel.describe(error)
        }
    }

    public func delete(_ id: String) async {
        do {
            if playing == id {
                player.stop()
                playing = nil
            }
            try await phone.deleteVoicemail(id: id)
            messages.removeAll { $0.id == id }
        } catch {
            status = CallViewModel.describe(error)
        }
    }

    private func setHeard(_ id: String, _ heard: Bool) {
        messages = messages.map { message in
            var message = message
            if message.id == id { message.heard = heard }
            return message
        }
    }
}
