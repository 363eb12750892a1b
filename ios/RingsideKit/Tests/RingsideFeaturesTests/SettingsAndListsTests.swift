import RingsideFeatures
import RingsideKit
import RingsideMocks
import XCTest

/// A device address book for the contacts screen's import.
private final class FixedDeviceContacts: DeviceContactsSource {
    let cards: [ContactCard]
    init(_ cards: [ContactCard]) { self.cards = cards }
    func fetchCards() async throws -> [ContactCard] { cards }
}

@MainActor
final class SettingsAndListsTests: XCTestCase {
    private func account() -> SavedAccount {
        SavedAccount(username: "1001", domain: "pbx.example.com", proxy: nil, displayName: nil)
    }

    func testSavingStoresServerPasswordsUnderTheServersUsernamesThenRestarts() async {
        let secrets = MockSecretStore()
        let store = InMemorySettingsStore(AppSettings(accounts: [account()]))
        var restarts = 0
        let model = SettingsViewModel(store: store, secrets: secrets) { restarts += 1 }
        model.directoryUrl = "https://dav.example.com/book/"
        model.directoryUser = "alice"
        model.directoryPassword = "dav-pw"
        model.voicemailUrl = "imaps://mail.example.com:993"
        model.voicemailUser = "vm-alice"
        model.voicemailPassword = "imap-pw"
        await model.save()
        // The core asks by the server's username (SecretKind.directory / .voicemail), not the SIP key.
        XCTAssertEqual(secrets.password(kind: .directory, account: "alice"), "dav-pw")
        XCTAssertEqual(secrets.password(kind: .voicemail, account: "vm-alice"), "imap-pw")
        XCTAssertNil(secrets.password(kind: .directory, account: "1001@pbx.example.com"))
        XCTAssertEqual(store.settings.directory, SavedDirectory(url: "https://dav.example.com/book/", username: "alice"))
        XCTAssertEqual(store.settings.voicemail?.folder, "INBOX")
        XCTAssertEqual(restarts, 1)
        XCTAssertEqual(model.status, "Saved")
        XCTAssertEqual([model.directoryPassword, model.voicemailPassword], ["", ""])
    }

    func testAnAccountAddedMeanwhileShowsAfterAReload() {
        let store = InMemorySettingsStore(AppSettings(accounts: [account()]))
        let model = SettingsViewModel(store: store, secrets: MockSecretStore()) {}
        var settings = store.load()
        settings.accounts.append(SavedAccount(username: "2001", domain: "other.example.com", proxy: nil, displayName: nil))
        store.save(settings)
        model.reloadAccounts()
        XCTAssertEqual(model.accounts.map(\.key), ["1001@pbx.example.com", "2001@other.example.com"])
    }

    func testClearingTheDirectoryUrlTurnsTheDirectoryOff() async {
        let store = InMemorySettingsStore(AppSettings(accounts: [account()], directory: SavedDirectory(url: "https://dav.example.com/", username: "a")))
        let model = SettingsViewModel(store: store, secrets: MockSecretStore()) {}
        model.directoryUrl = "  "
        await model.save()
        XCTAssertNil(store.settings.directory)
    }

    func testRemovingAnAccountForgetsItsPasswordAndRestarts() async {
        let secrets = MockSecretStore()
        try? secrets.setPassword("pw", kind: .sip, account: "1001@pbx.example.com")
        let store = InMemorySettingsStore(AppSettings(accounts: [account()]))
        var restarts = 0
        let model = SettingsViewModel(store: store, secrets: secrets) { restarts += 1 }
        await model.remove(account())
        XCTAssertTrue(store.settings.accounts.isEmpty)
        XCTAssertTrue(model.accounts.isEmpty)
        XCTAssertNil(secrets.password(kind: .sip, account: "1001@pbx.example.com"))
        XCTAssertEqual(restarts, 1)
    }

    func testTheDeviceAddressBookGoesToTheCoreAndIsSearchable() async {
        let phone = MockPhoneService()
        let card = ContactCard(uid: "ab-1", name: "Élodie Martin", organization: "Axivox",
                               numbers: [ContactNumber(number: "+33 6 12 34 56 78", e164: nil, label: "cell")], emails: [])
        let model = ContactsViewModel(phone: phone, device: FixedDeviceContacts([card]), screen: MockCallScreen(phone: phone))
        await model.importDevice()
        XCTAssertEqual(phone.importedCards, [card])
        XCTAssertEqual(model.status, "Imported 1 contacts")
        model.query = "élo"
        await model.search()
        XCTAssertEqual(model.contacts.map(\.name), ["Élodie Martin"])
    }

    func testAFailedImportSaysWhyAndKeepsTheList() async {
        let phone = MockPhoneService()
        phone.contacts = [Contact(id: "d1", source: .directory, name: "Bob Durand", organization: nil,
                                  numbers: [ContactNumber(number: "1003", e164: nil, label: nil)], emails: [])]
        let model = ContactsViewModel(phone: phone, device: FixedDeviceContacts([]), screen: MockCallScreen(phone: phone))
        model.query = "bob"
        await model.search()
        phone.failNext = .Other(reason: "disk full")
        await model.importDevice()
        XCTAssertNotNil(model.status)
        XCTAssertEqual(model.contacts.map(\.name), ["Bob Durand"])
    }

    func testMarkingTheHistorySeenClearsTheUnseenMissedCalls() async {
        let phone = MockPhoneService()
        // A caller who gave up before anyone answered: a missed call, not yet seen.
        _ = phone.handlePush(envelope: Data(#"{"type":"cancel","uuid":"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d","from-uri":"sip:1003@pbx","send-time":0}"#.utf8))
        let model = HistoryViewModel(phone: phone, screen: MockCallScreen(phone: phone))
        await model.reload()
        XCTAssertEqual(model.unseenMissed.map(\.peer), ["sip:1003@pbx"])
        XCTAssertEqual(model.outcome(model.unseenMissed[0]), CallText.historyOutcome(model.unseenMissed[0]))
        await model.markSeen()
        XCTAssertTrue(model.unseenMissed.isEmpty)
        XCTAssertEqual(model.rest.map(\.peer), ["sip:1003@pbx"])
        XCTAssertTrue(phone.commands.contains("mark-seen"))
    }
}
