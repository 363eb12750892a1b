import RingsideFeatures
import RingsideKit
import RingsideMocks
import XCTest

/// The in-call controls beyond hold and mute: keypad, speaker, a second call, swapping,
/// blind and attended transfer, each against the in-memory phone.
@MainActor
final class CallControlsTests: XCTestCase {
    private var phone: MockPhoneService!
    private var screen: MockCallScreen!
    private var audio: MockAudioSession!
    private var model: CallViewModel!

    override func setUp() async throws {
        phone = MockPhoneService()
        screen = MockCallScreen(phone: phone)
        audio = MockAudioSession()
        model = CallViewModel(phone: phone, screen: screen, audio: audio)
    }

    /// A call from 1002, answered: the focused, active call.
    private func answeredCall() async -> String {
        let call = phone.ring(from: "sip:1002@pbx", name: "Desk")
        model.update(phone.calls())
        await model.answer()
        model.update(phone.calls())
        return call
    }

    func testKeypadDigitsAreSentAsDtmfAndShown() async {
        let call = await answeredCall()
        await model.press(digit: "1")
        await model.press(digit: "#")
        XCTAssertEqual(model.keypadDigits, "1#")
        XCTAssertEqual(Array(screen.requests.suffix(2)), ["dtmf \(call) 1", "dtmf \(call) #"])
    }

    func testSpeakerTogglesTheRouteAndNamesIt() async {
        _ = await answeredCall()
        model.toggleSpeaker()
        XCTAssertTrue(model.speaker)
        XCTAssertEqual(model.routeName, "Speaker")
        model.toggleSpeaker()
        XCTAssertFalse(model.speaker)
        XCTAssertEqual(audio.log, ["speaker true", "speaker false"])
    }

    func testASecondCallHoldsTheFirstThenDials() async {
        let first = await answeredCall()
        await model.startSecondCall(to: " 1003 ")
        model.update(phone.calls())
        XCTAssertEqual(Array(screen.requests.suffix(2)), ["held \(first) true", "start 1003"])
        XCTAssertEqual(phone.calls().count, 2)
        XCTAssertEqual(phone.calls().first { $0.call == first }?.state, .held(byRemote: false))
    }

    func testSwapHoldsTheFocusedCallAndResumesTheOther() async {
        let first = await answeredCall()
        await model.startSecondCall(to: "1003")
        model.update(phone.calls())
        let second = phone.calls().first { $0.call != first }!.call
        try? await phone.resume(call: second)   // the far end answered
        model.focus(second)
        model.update(phone.calls())
        await model.swap(to: first)
        XCTAssertEqual(model.focusedId, first)
        XCTAssertEqual(Array(screen.requests.suffix(2)), ["held \(second) true", "held \(first) false"])
    }

    func testBlindTransferSendsTheTrimmedTargetToTheCore() async {
        let call = await answeredCall()
        await model.transferBlind(to: "  1004 ")
        XCTAssertTrue(phone.commands.contains("transfer \(call) 1004"))
        await model.transferBlind(to: "   ")
        XCTAssertEqual(phone.commands.filter { $0.hasPrefix("transfer ") }.count, 1, "an empty target transfers nothing")
    }

    func testAttendedTransferConnectsTheFocusedCallToTheHeldOne() async {
        let first = await answeredCall()
        await model.startSecondCall(to: "1003")
        model.update(phone.calls())
        let second = phone.calls().first { $0.call != first }!.call
        model.focus(second)
        await model.transferAttended(to: first)
        XCTAssertTrue(phone.commands.contains("transfer-attended \(second) \(first)"))
        XCTAssertTrue(phone.calls().isEmpty, "both legs are handed over")
    }

    func testAFailedCommandShowsWhyOnTheCallScreen() async {
        _ = await answeredCall()
        phone.failNext = .NotFound(call: "gone")
        await model.transferBlind(to: "1004")
        XCTAssertEqual(model.error, "Not found: gone")
    }
}
