import Contacts
import Foundation
import RingsideCore

/// The address book through `CNContactStore`: names, organisation, numbers and e-mails only,
/// handed to the core, which normalises numbers for caller ID.
public final class SystemDeviceContacts: DeviceContactsSource {
    private let store = CNContactStore()

    public init() {}

    public func fetchCards() async throws -> [ContactCard] {
        guard try await store.requestAccess(for: .contacts) else { return [] }
        let keys: [CNKeyDescriptor] = [
            CNContactFormatter.descriptorForRequiredKeys(for: .fullName),
            CNContactOrganizationNameKey as CNKeyDescriptor,
            CNContactPhoneNumbersKey as CNKeyDescriptor,
            CNContactEmailAddressesKey as CNKeyDescriptor,
            CNContactIdentifierKey as CNKeyDescriptor,
        ]
        let store = self.store
        // Enumeration blocks: off the caller's actor.
        return try await Task.detached {
            var cards: [ContactCard] = []
            try store.enumerateContacts(with: CNContactFetchRequest(keysToFetch: keys)) { contact, _ in
                let name = CNContactFormatter.string(from: contact, style: .fullName) ?? contact.organizationName
                let numbers = contact.phoneNumbers.map { labeled in
                    ContactNumber(number: labeled.value.stringValue, e164: nil,
                                  label: labeled.label.map { CNLabeledValue<CNPhoneNumber>.localizedString(forLabel: $0) })
                }
                cards.append(ContactCard(uid: contact.identifier, name: name,
                                         organization: contact.organizationName.isEmpty ? nil : contact.organizationName,
                                         numbers: numbers, emails: contact.emailAddresses.map { $0.value as String }))
            }
            return cards
        }.value
    }
}
