import XCTest

/// The main flows on the simulator, against the app's scripted core
/// (`-RingsideScriptedCore`: the in-memory phone) behind the real CallKit provider and the
/// same push handler PushKit calls, fed through the debug push path.
final class RingsideUITests: XCTestCase {
    private var app: XCUIApplication!

    override func setUp() {
        continueAfterFailure = false
        app = XCUIApplication()
        app.launchArguments = ["-RingsideScriptedCore"]
    }

    private func push(_ json: String) -> [String] {
        ["-RingsideScriptedAccount", "-RingsideInjectPush", Data(json.utf8).base64EncodedString()]
    }

    private func setUpAccount() {
        let username = app.textFields["setup.username"]
        XCTAssertTrue(username.waitForExistence(timeout: 10))
        username.tap()
        username.typeText("1001")
        app.textFields["setup.domain"].tap()
        app.textFields["setup.domain"].typeText("pbx.example.com")
        app.secureTextFields["setup.password"].tap()
        app.secureTextFields["setup.password"].typeText("secret")
        app.textFields["setup.proxy"].tap()
        app.textFields["setup.proxy"].typeText("pabx.axivox.com")
        app.buttons["setup.save"].tap()
    }

    func testSetupRegisters() {
        app.launch()
        setUpAccount()
        let status = app.staticTexts.matching(identifier: "setup.status").firstMatch
        XCTAssertTrue(status.waitForExistence(timeout: 5))
        XCTAssertTrue(status.label.contains("Registered"))
        app.buttons["setup.done"].tap()
        XCTAssertTrue(app.staticTexts["registration.status"].waitForExistence(timeout: 5))
    }

    func testAProvisioningLinkFillsTheForm() {
        app.launch()
        let link = app.textFields["setup.link"]
        XCTAssertTrue(link.waitForExistence(timeout: 10))
        link.tap()
        // Parsed by the core's parser, linked into the app even in the scripted mode.
        link.typeText("ringside:account?username=1005&domain=pbx.example.com&proxy=pabx.axivox.com")
        app.buttons["setup.applyLink"].tap()
        XCTAssertEqual(app.textFields["setup.username"].value as? String, "1005")
        XCTAssertEqual(app.textFields["setup.domain"].value as? String, "pbx.example.com")
        XCTAssertEqual(app.textFields["setup.proxy"].value as? String, "pabx.axivox.com")
    }

    func testIncomingPushAnswerHoldHangUp() {
        app.launchArguments += push(#"{"type":"call","call-id":"ui-1","uuid":"6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b","from-uri":"sip:1002@pbx.example.com","display-name":"Desk 1002","send-time":0}"#)
        app.launch()
        let answer = app.buttons["call.answer"]
        XCTAssertTrue(answer.waitForExistence(timeout: 10))
        XCTAssertEqual(app.staticTexts["call.title"].label, "Desk 1002")
        answer.tap()
        XCTAssertTrue(app.staticTexts["call.status"].waitForExistence(timeout: 5))
        XCTAssertEqual(app.staticTexts["call.status"].label, "Connected")
        app.buttons["call.hold"].tap()
        let held = NSPredicate(format: "label == %@", "On hold")
        expectation(for: held, evaluatedWith: app.staticTexts["call.status"])
        waitForExpectations(timeout: 5)
        app.buttons["call.end"].tap()
        XCTAssertTrue(app.buttons["call.end"].waitForNonExistence(timeout: 5))
    }

    func testHistoryShowsAnsweredElsewhere() {
        app.launchArguments += push(#"{"type":"cancel","call-id":"ui-2","uuid":"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d","from-uri":"sip:1003@pbx.example.com","display-name":"Reception","reason":"answered_elsewhere","send-time":0}"#)
        app.launch()
        app.tabBars.buttons["Recents"].tap()
        let outcome = app.staticTexts.matching(identifier: "history.outcome").firstMatch
        XCTAssertTrue(outcome.waitForExistence(timeout: 10))
        XCTAssertEqual(outcome.label, "Answered elsewhere")
        XCTAssertFalse(app.buttons["history.markSeen"].exists, "answered elsewhere is not a missed call")
    }
}
