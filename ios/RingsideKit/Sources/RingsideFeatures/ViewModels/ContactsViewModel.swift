import Foundation
import RingsideKit

/// Contacts: the core's search over the device address book and the company directory.
@MainActor
public final class ContactsViewModel: ObservableObject {
    @Published public var query = ""
    @Published public private(set) var contacts: [Contact] = []
    @Published public private(set) var status: String?

    private let phone: PhoneService
    private let device: DeviceContactsSource
    private let screen: CallScreen

    public init(phone: PhoneService, device: DeviceContactsSource, screen: CallScreen) {
        self.phone = phone
        self.device = device
        self.screen = screen
    }

    public func search() async {
        contacts = (try? await phone.searchContacts(query: query.trimmingCharacters(in: .whitespaces), limit: 200)) ?? []
    }

    /// Replaces the device contacts the core knows with the address book's.
    public func importDevice() async {
        do {
            let report = try await phone.importContacts(try await device.fetchCards())
            status = "Imported \(report.imported) contacts" + (report.skipped.isEmpty ? "" : ", skipped \(report.skipped.count)")
            await search()
        } catch {
            status = CallViewModel.describe(error)
        }
    }

    public func syncDirectory() async {
        do {
            let report = try await phone.syncDirectory()
            status = "Directory: \(report.added) added, \(report.updated) updated, \(report.removed) removed"
            await search()
        } catch {
            status = CallViewModel.describe(error)
        }
    }

    public func call(_ number: ContactNumber) async {
        do {
            try await screen.startCall(target: number.number)
        } catch {
            status = CallViewModel.describe(error)
        }
    }
}
