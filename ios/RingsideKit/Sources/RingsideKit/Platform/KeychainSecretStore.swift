import Foundation
import RingsideCore
import Security

/// Passwords in the Keychain as generic passwords, one per (kind, account). Readable after
/// the first unlock since boot, so a VoIP push that wakes the app on a locked phone can still
/// start the phone and register; never synced to other devices (ThisDeviceOnly).
public final class KeychainSecretStore: SecretStoreService, @unchecked Sendable {
    private let service: String
    private let accessGroup: String?

    /// `accessGroup` is the entitlement's keychain group (shared with a future extension).
    public init(service: String = "app.ringside.secrets", accessGroup: String? = nil) {
        self.service = service
        self.accessGroup = accessGroup
    }

    public func password(kind: SecretKind, account: String) -> String? {
        var query = baseQuery(kind: kind, account: account)
        query[kSecReturnData as String] = true
        query[kSecMatchLimit as String] = kSecMatchLimitOne
        var item: CFTypeRef?
        guard SecItemCopyMatching(query as CFDictionary, &item) == errSecSuccess,
              let data = item as? Data
        else { return nil }
        return String(data: data, encoding: .utf8)
    }

    public func setPassword(_ password: String?, kind: SecretKind, account: String) throws {
        let query = baseQuery(kind: kind, account: account)
        guard let password else {
            let status = SecItemDelete(query as CFDictionary)
            guard status == errSecSuccess || status == errSecItemNotFound else { throw KeychainError(status: status) }
            return
        }
        let data = Data(password.utf8)
        let update: [String: Any] = [
            kSecValueData as String: data,
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
        ]
        var status = SecItemUpdate(query as CFDictionary, update as CFDictionary)
        if status == errSecItemNotFound {
            var add = query
            add.merge(update) { _, new in new }
            status = SecItemAdd(add as CFDictionary, nil)
        }
        guard status == errSecSuccess else { throw KeychainError(status: status) }
    }

    private func baseQuery(kind: SecretKind, account: String) -> [String: Any] {
        var query: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: "\(service).\(Self.label(kind))",
            kSecAttrAccount as String: account,
        ]
        if let accessGroup {
            query[kSecAttrAccessGroup as String] = accessGroup
        }
        return query
    }

    private static func label(_ kind: SecretKind) -> String {
        switch kind {
        case .sip: return "sip"
        case .directory: return "directory"
        case .voicemail: return "voicemail"
        }
    }
}

public struct KeychainError: Error, Equatable {
    public let status: OSStatus
}
