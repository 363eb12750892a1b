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

    func testAPushBeforeThePhoneRunsIsStillReportedThenEndedAsFailed() {
        // A push-woken launch whose phone never came up within the bound: iOS still needs a report.
        let idle = CallCoordinator(host: PhoneHost { _, _ in MockPhoneService() }, audio: MockAudioSession(), startTimeout: 0.1)
        let reporter = MockCallReporter()
        idle.reporter = reporter
        var completed = false
        idle.handlePush(envelope: Data(#"{"type":"call","from-uri":"sip:1002@pbx","send-time":0}"#.utf8)) { completed = true }
        XCTAssertTrue(completed)
        XCTAssertEqual(reporter.reports.count, 2)
        XCTAssertEqual(reporter.ended, [.failed])
    }

    func testACallCallKitRefusesIsDeclinedHereOnlySoTheDeskRingsOn() async throws {
        reporter.refuseIncoming = true
        XCTAssertTrue(push(#"{"type":"call","uuid":"6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b","from-uri":"sip:1002@pbx","send-time":0}"#))
        // The decline runs in a Task after the report's completion.
        for _ in 0..<50 where !phone.commands.contains(where: { $0.hasPrefix("decline ") }) {
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        XCTAssertTrue(phone.commands.contains("decline 6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b everywhere=false"))
    }

    func testADuplicatePushIsReportedAgainButRingsOnce() {
        let call = #"{"type":"call","uuid":"6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b","from-uri":"sip:1002@pbx","send-time":0}"#
        XCTAssertTrue(push(call))
        XCTAssertTrue(push(call))
        XCTAssertEqual(reporter.reports.count, 2, "PushKit wants a report per push; CallKit dedups by UUID")
        XCTAssertEqual(phone.calls().count, 1)
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
