import Foundation
import RingsideKit

/// Settings: media security, busy-when-in-call, region, the company directory (CardDAV) and
/// the voicemail mailbox (IMAP), each password in the Keychain; accounts and their
/// registration state. Saving restarts the phone with the new settings.
@MainActor
public final class SettingsViewModel: ObservableObject {
    @Published public var srtp: SrtpSetting
    @Published public var busyWhenInCall: Bool
    @Published public var defaultRegion: String
    @Published public var directoryUrl: String
    @Published public var directoryUser: String
    @Published public var directoryPassword = ""
    @Published public var voicemailUrl: String
    @Published public var voicemailUser: String
    @Published public var voicemailFolder: String
    @Published public var voicemailPassword = ""
    @Published public private(set) var accounts: [SavedAccount]
    @Published public private(set) var status: String?

    private let store: SettingsStore
    private let secrets: SecretStoreService
    private let restart: () async -> Void

    public init(store: SettingsStore, secrets: SecretStoreService, restart: @escaping () async -> Void) {
        self.store = store
        self.secrets = secrets
        self.restart = restart
        let settings = store.load()
        srtp = settings.srtp
        busyWhenInCall = settings.busyWhenInCall
        defaultRegion = settings.defaultRegion
        directoryUrl = settings.directory?.url ?? ""
        directoryUser = settings.directory?.username ?? ""
        voicemailUrl = settings.voicemail?.imapUrl ?? ""
        voicemailUser = settings.voicemail?.username ?? ""
        voicemailFolder = settings.voicemail?.folder ?? "INBOX"
        accounts = settings.accounts
    }

    public func save() async {
        var settings = store.load()
        settings.srtp = srtp
        settings.busyWhenInCall = busyWhenInCall
        settings.defaultRegion = defaultRegion.uppercased()
        settings.directory = SetupViewModel.optional(directoryUrl).map { SavedDirectory(url: $0, username: directoryUser) }
        settings.voicemail = SetupViewModel.optional(voicemailUrl).map {
            SavedVoicemail(imapUrl: $0, username: voicemailUser, folder: SetupViewModel.optional(voicemailFolder) ?? "INBOX")
        }
        do {
            // The core asks for these by the server's username (as Android stores them), not by
            // a SIP account: the directory and the mailbox have logins of their own.
            if !directoryPassword.isEmpty { try secrets.setPassword(directoryPassword, kind: .directory, account: directoryUser) }
            if !voicemailPassword.isEmpty { try secrets.setPassword(voicemailPassword, kind: .voicemail, account: voicemailUser) }
            store.save(settings)
            directoryPassword = ""
            voicemailPassword = ""
            await restart()
            status = "Saved"
        } catch {
            status = CallViewModel.describe(error)
        }
    }

    /// The saved accounts again: the setup form added one while this screen stayed up.
    public func reloadAccounts() {
        accounts = store.load().accounts
    }

    /// Forgets an account: unregistered by the phone's restart, its password deleted.
    public func remove(_ account: SavedAccount) async {
        var settings = store.load()
        settings.accounts.removeAll { $0.key == account.key }
        try? secrets.setPassword(nil, kind: .sip, account: account.key)
        store.save(settings)
        accounts = settings.accounts
        await restart()
    }
}
