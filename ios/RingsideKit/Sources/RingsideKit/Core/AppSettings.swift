import Foundation
import RingsideCore

/// What the user set up, kept by the app between launches (no secrets: those are in the
/// Keychain). The core gets it as `PhoneSettings` when the phone starts.
public struct AppSettings: Codable, Equatable, Sendable {
    public var accounts: [SavedAccount]
    public var srtp: SrtpSetting
    public var busyWhenInCall: Bool
    public var defaultRegion: String
    public var directory: SavedDirectory?
    public var voicemail: SavedVoicemail?

    public init(accounts: [SavedAccount] = [], srtp: SrtpSetting = .optional, busyWhenInCall: Bool = false,
                defaultRegion: String = "FR", directory: SavedDirectory? = nil, voicemail: SavedVoicemail? = nil) {
        self.accounts = accounts
        self.srtp = srtp
        self.busyWhenInCall = busyWhenInCall
        self.defaultRegion = defaultRegion
        self.directory = directory
        self.voicemail = voicemail
    }

    /// The core's settings; `push` is the VoIP token once PushKit has given one.
    public func phoneSettings(dataDir: String, push: PushToken?, userAgent: String) -> PhoneSettings {
        PhoneSettings(
            dataDir: dataDir,
            accounts: accounts.map(\.account),
            codecs: [],
            srtp: srtp.policy,
            busyWhenInCall: busyWhenInCall,
            dnsServers: [],
            push: push,
            userAgent: userAgent,
            tlsCaFile: nil,
            defaultRegion: defaultRegion,
            directory: directory.map { DirectorySettings(url: $0.url, username: $0.username) },
            voicemail: voicemail.map { VoicemailSettings(imapUrl: $0.imapUrl, username: $0.username, folder: $0.folder) }
        )
    }
}

/// An account as the setup screen saved it (design §3: the SIP Identifiers tab).
public struct SavedAccount: Codable, Equatable, Sendable {
    public var username: String
    public var domain: String
    public var proxy: String?
    public var displayName: String?

    public init(username: String, domain: String, proxy: String?, displayName: String?) {
        self.username = username
        self.domain = domain
        self.proxy = proxy
        self.displayName = displayName
    }

    /// The core's account key, `username@domain`.
    public var key: String { "\(username)@\(domain)" }

    public var account: Account {
        Account(username: username, domain: domain, proxy: proxy, displayName: displayName, authUsername: nil, voicemail: nil)
    }
}

public struct SavedDirectory: Codable, Equatable, Sendable {
    public var url: String
    public var username: String

    public init(url: String, username: String) {
        self.url = url
        self.username = username
    }
}

public struct SavedVoicemail: Codable, Equatable, Sendable {
    public var imapUrl: String
    public var username: String
    public var folder: String

    public init(imapUrl: String, username: String, folder: String) {
        self.imapUrl = imapUrl
        self.username = username
        self.folder = folder
    }
}

public enum SrtpSetting: String, Codable, CaseIterable, Sendable {
    case off, optional, mandatory

    public var policy: SrtpPolicy {
        switch self {
        case .off: return .off
        case .optional: return .optional
        case .mandatory: return .mandatory
        }
    }
}

/// Where `AppSettings` lives between launches.
public protocol SettingsStore: AnyObject {
    func load() -> AppSettings
    func save(_ settings: AppSettings)
}

/// `UserDefaults`, as JSON under one key.
public final class DefaultsSettingsStore: SettingsStore {
    private let defaults: UserDefaults
    private let key = "ringside.settings"

    public init(defaults: UserDefaults = .standard) {
        self.defaults = defaults
    }

    public func load() -> AppSettings {
        guard let data = defaults.data(forKey: key),
              let settings = try? JSONDecoder().decode(AppSettings.self, from: data)
        else { return AppSettings() }
        return settings
    }

    public func save(_ settings: AppSettings) {
        if let data = try? JSONEncoder().encode(settings) {
            defaults.set(data, forKey: key)
        }
    }
}
