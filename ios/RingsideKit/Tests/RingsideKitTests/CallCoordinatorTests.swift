import CallKit
import RingsideKit
import RingsideMocks
import XCTest

/// The push path and CallKit mapping, against the in-memory phone and a recording reporter.
final class CallCoordinatorTests: XCTestCase {
    private var phone: MockPhoneService!
    private var reporter: MockCallReporter!
    private var coordinator: CallCoordinator!

    override func setUp() async throws {
        phone = MockPhoneService()
        let phone = self.phone!
        let host = PhoneHost { _, _ in phone }
        _ = try await host.start(AppSettings())
        reporter = MockCallReporter()
        coordinator = CallCoordinator(host: host, audio: MockAudioSession(), startTimeout: 0.1)
        coordinator.reporter = reporter
    }

    private func push(_ json: String) -> Bool {
        var completed = false
        coordinator.handlePush(envelope: Data(json.utf8)) { completed = true }
        return completed
    }

    func testACallPushIsReportedBeforeTheCompletionRuns() {
        XCTAssertTrue(push(#"{"type":"call","uuid":"6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b","from-uri":"sip:1002@pbx","send-time":0}"#))
        XCTAssertEqual(reporter.reports, ["incoming 6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b sip:1002@pbx"])
    }

    func testACancelledPushIsReportedThenEndedAsAnsweredElsewhere() {
        XCTAssertTrue(push(#"{"type":"cancel","uuid":"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d","from-uri":"sip:1003@pbx","reason":"answered_elsewhere","send-time":0}"#))
        XCTAssertEqual(reporter.reports.count, 2)
        XCTAssertEqual(reporter.ended, [.answeredElsewhere])
    }

    func testEndReasonsMapToCallKits() {
        XCTAssertEqual(CallEndMapping.callKitReason(.declinedElsewhere), .declinedElsewhere)
        XCTAssertEqual(CallEndMapping.callKitReason(.cancelled), .unanswered)
        XCTAssertEqual(CallEndMapping.callKitReason(.failed), .failed)
        XCTAssertNil(CallEndMapping.callKitReasonIfRemote(.localHangup))
    }

    func testAnsweringBeforeTheInviteGoesToTheCore() async throws {
        _ = push(#"{"type":"call","uuid":"6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b","from-uri":"sip:1002@pbx","send-time":0}"#)
        try await coordinator.answer(call: UUID(uuidString: "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b")!)
        XCTAssertTrue(phone.commands.contains("answer 6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"))
    }

    func testEndingARingingCallDeclinesHereOnly() async throws {
        _ = push(#"{"type":"call","uuid":"6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b","from-uri":"sip:1002@pbx","send-time":0}"#)
        try await coordinator.end(call: UUID(uuidString: "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b")!)
        XCTAssertTrue(phone.commands.contains("decline 6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b everywhere=false"))
    }

    func testThePushTokenIsHexWithTheVoipTopic() {
        let token = CoreLauncher.pushToken(deviceToken: Data([0xab, 0x01]), teamID: "TEAMID", bundleID: "app.ringside")
        XCTAssertEqual(token, PushToken(provider: .apns, prid: "ab01", param: "TEAMID.app.ringside.voip"))
    }
}
