import RingsideFeatures
import RingsideKit
import RingsideMocks
import XCTest

@MainActor
final class ViewModelTests: XCTestCase {
    func testSetupSavesThePasswordInTheSecretStoreAndAddsTheAccount() async {
        let phone = MockPhoneService(), secrets = MockSecretStore(), settings = InMemorySettingsStore()
        let model = SetupViewModel(phone: phone, secrets: secrets, settings: settings,
                                   parser: MockProvisioningParser(result: .failure(.InvalidInput(reason: "unused"))))
        model.username = "1001"
        model.domain = "pbx.example.com"
        model.password = "secret"
        model.proxy = "pabx.axivox.com"
        await model.save()
        XCTAssertTrue(model.saved)
        XCTAssertEqual(secrets.password(kind: .sip, account: "1001@pbx.example.com"), "secret")
        XCTAssertEqual(settings.settings.accounts.first?.proxy, "pabx.axivox.com")
        XCTAssertTrue(CallText.isRegistered(phone.accounts()[0].state))
    }

    func testAProvisioningLinkFillsTheForm() {
        let parsed = Provisioning(username: "1001", domain: "pbx.example.com", proxy: "pabx.axivox.com", password: nil, displayName: "Alice")
        let model = SetupViewModel(phone: MockPhoneService(), secrets: MockSecretStore(), settings: InMemorySettingsStore(),
                                   parser: MockProvisioningParser(result: .success(parsed)))
        model.password = "typed"
        model.applyProvisioning("ringside:account?username=1001&domain=pbx.example.com")
        XCTAssertEqual([model.username, model.domain, model.proxy, model.displayName, model.password],
                       ["1001", "pbx.example.com", "pabx.axivox.com", "Alice", "typed"])
    }

    func testTheDialerSuggestsContactsAsTheUserTypes() async {
        let phone = MockPhoneService()
        phone.contacts = [Contact(id: "1", source: .directory, name: "Alice Martin", organization: nil,
                                  numbers: [ContactNumber(number: "1003", e164: nil, label: "work")], emails: [])]
        let model = DialerViewModel(phone: phone, screen: MockCallScreen(phone: phone))
        model.entry = "ali"
        await model.searchNow()
        XCTAssertEqual(model.suggestions.map(\.name), ["Alice Martin"])
    }

    func testHoldAndMuteGoThroughTheCallScreen() async {
        let phone = MockPhoneService()
        let screen = MockCallScreen(phone: phone)
        let call = phone.ring(from: "sip:1002@pbx", name: "Desk")
        let model = CallViewModel(phone: phone, screen: screen, audio: MockAudioSession())
        model.update(phone.calls())
        await model.answer()
        model.update(phone.calls())
        await model.toggleHold()
        model.update(phone.calls())
        XCTAssertTrue(model.isHeld)
        await model.toggleMute()
        XCTAssertEqual(screen.requests, ["answer \(call)", "held \(call) true", "muted \(call) true"])
    }

    func testRingingSaysWhenTheSoundComesFromTheLine() {
        XCTAssertEqual(CallText.state(.remoteRinging(earlyMedia: false)), "Ringing…")
        XCTAssertEqual(CallText.state(.remoteRinging(earlyMedia: true)), "Ringing · audio from the line")
    }

    func testAnsweredElsewhereIsNotMissedInTheHistory() {
        let entry = CallLogEntry(call: "c", callId: nil, account: nil, direction: .incoming, peer: "sip:1003@pbx", displayName: nil,
                                 startedMs: 0, answeredMs: nil, endedMs: 1, reason: .answeredElsewhere, sipCode: nil,
                                 ringMs: nil, talkMs: nil, pushWoken: true, missed: false, seen: false, quality: nil)
        XCTAssertEqual(CallText.historyOutcome(entry), "Answered elsewhere")
    }

    func testPlayingAVoicemailMarksItHeard() async {
        let phone = MockPhoneService()
        phone.voicemailList = [Voicemail(id: "v1", caller: "1002", callerName: nil, receivedMs: 0, durationMs: 3000, heard: false, cached: true)]
        let player = MockAudioPlayback()
        let model = VoicemailViewModel(phone: phone, player: player)
        await model.load()
        await model.play("v1")
        XCTAssertEqual(player.played.count, 1)
        XCTAssertEqual(model.messages.first?.heard, true)
        XCTAssertTrue(phone.commands.contains("heard v1 true"))
    }
}
