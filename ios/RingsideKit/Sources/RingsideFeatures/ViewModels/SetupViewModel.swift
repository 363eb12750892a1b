import Foundation
import RingsideKit

/// Account setup (design §3): SIP username, domain, SIP password, proxy; or the same values
/// from a QR code or a `ringside:`/https provisioning link, parsed by the core.
@MainActor
public final class SetupViewModel: ObservableObject {
    @Published public var username = ""
    @Published public var domain = ""
    @Published public var password = ""
    @Published public var proxy = ""
    @Published public var displayName = ""
    @Published public private(set) var error: String?
    @Published public private(set) var saving = false
    @Published public private(set) var saved = false

    private let phone: PhoneService
    private let secrets: SecretStoreService
    private let settings: SettingsStore
    private let parser: ProvisioningParser

    public init(phone: PhoneService, secrets: SecretStoreService, settings: SettingsStore, parser: ProvisioningParser) {
        self.phone = phone
        self.secrets = secrets
        self.settings = settings
        self.parser = parser
    }

    public var canSave: Bool {
        !username.trimmingCharacters(in: .whitespaces).isEmpty && !domain.trimmingCharacters(in: .whitespaces).isEmpty && !saving
    }

    /// A scanned QR code's text or an opened link: fills the form; the password stays what
    /// the user typed when the link has none.
    public func applyProvisioning(_ input: String) {
        do {
            let provisioning = try parser.parse(input)
            username = provisioning.username
            domain = provisioning.domain
            proxy = provisioning.proxy ?? ""
            displayName = provisioning.displayName ?? ""
            if let secret = provisioning.password { password = secret }
            error = nil
        } catch let failure as PhoneError {
            error = Self.message(failure)
        } catch {
            self.error = error.localizedDescription
        }
    }

    /// Keeps the password in the Keychain, the rest in the settings, and adds the account to
    /// the running phone, which registers it at once.
    public func save() async {
        guard canSave else { return }
        saving = true
        defer { saving = false }
        let account = SavedAccount(username: username.trimmingCharacters(in: .whitespaces),
                                   domain: domain.trimmingCharacters(in: .whitespaces),
                                   proxy: Self.optional(proxy), displayName: Self.optional(displayName))
        do {
            try secrets.setPassword(password.isEmpty ? nil : password, kind: .sip, account: account.key)
            var current = settings.load()
            current.accounts.removeAll { $0.key == account.key }
            current.accounts.append(account)
            try await phone.addAccount(account.account)
            settings.save(current)
            error = nil
            saved = true
        } catch let failure as PhoneError {
            error = Self.message(failure)
        } catch {
            self.error = error.localizedDescription
        }
    }

    static func optional(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : trimmed
    }

    static func message(_ error: PhoneError) -> String {
        switch error {
        case .Network(let reason): return "Network: \(reason)"
        case .Auth(let reason): return "Refused: \(reason)"
        case .NotFound(let call): return "Not found: \(call)"
        case .Busy(let reason): return "Busy: \(reason)"
        case .InvalidInput(let reason): return reason
        case .Other(let reason): return reason
        }
    }
}
