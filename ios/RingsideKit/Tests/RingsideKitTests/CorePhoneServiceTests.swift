import Foundation
import RingsideCore
import RingsideKit
import XCTest

/// `CorePhoneService` over a fake of the generated core protocol: each method reaches the
/// core with its arguments, errors come back as the core's, and each stream follows its
/// subscription (current value first, every change after, cancelled when the stream ends).
final class CorePhoneServiceTests: XCTestCase {
    private var core: FakeCorePhone!
    private var service: CorePhoneService!

    override func setUp() {
        core = FakeCorePhone()
        service = CorePhoneService(core: core)
    }

    private static let account = Account(username: "1001", domain: "pbx.example.com", proxy: "pabx.axivox.com",
                                         displayName: nil, authUsername: nil, voicemail: nil)

    private static func info(_ state: RegistrationState) -> AccountInfo {
        AccountInfo(key: "1001@pbx.example.com", account: account, state: state)
    }

    func testCallCommandsReachTheCoreWithTheirArguments() async throws {
        let id = try await service.call(account: nil, target: "1002")
        try await service.answer(call: id)
        try await service.hold(call: id)
        try await service.resume(call: id)
        try await service.mute(call: id, on: true)
        try await service.sendDtmf(call: id, digits: "12#")
        try await service.transferBlind(call: id, target: "1003")
        try await service.transferAttended(call: id, other: "call-2")
        try await service.decline(call: "call-3", everywhere: true)
        try await service.hangup(call: id)
        XCTAssertEqual(id, "call-1")
        XCTAssertEqual(core.commands, [
            "call - 1002", "answer call-1", "hold call-1", "resume call-1", "mute call-1 true", "dtmf call-1 12#",
            "transfer call-1 1003", "attended call-1 call-2", "decline call-3 true", "hangup call-1",
        ])
    }

    func testTheCoresErrorComesBackUnchanged() async {
        core.failNext = .Busy(reason: "accounts change when no call is live")
        do {
            try await service.addAccount(Self.account)
            XCTFail("the core refused: the wrapper must throw")
        } catch let error as PhoneError {
            XCTAssertEqual(error, .Busy(reason: "accounts change when no call is live"))
        } catch {
            XCTFail("not the core's error: \(error)")
        }
        XCTAssertEqual(core.commands, ["add 1001@pbx.example.com"])
    }

    func testAccountsAndPushGoThroughAsGiven() async throws {
        try await service.addAccount(Self.account)
        try await service.updateAccount(Self.account)
        try await service.removeAccount(key: "1001@pbx.example.com")
        try await service.setPushToken(PushToken(provider: .apns, prid: "abcd", param: "TEAM.app.ringside.voip"))
        service.networkChanged()
        let hint = service.handlePush(envelope: Data("{}".utf8))
        XCTAssertEqual(hint.call, "push-1")
        XCTAssertEqual(core.commands, [
            "add 1001@pbx.example.com", "update 1001@pbx.example.com", "remove 1001@pbx.example.com",
            "push-token abcd", "network-changed", "push 2",
        ])
    }

    func testRegistrationsStreamStartsWithTheCurrentStateThenFollowsChanges() async {
        core.accountList = [Self.info(.registering)]
        let stream = service.registrations()
        var iterator = stream.makeAsyncIterator()
        let first = await iterator.next()
        XCTAssertEqual(first, [Self.info(.registering)])
        core.registrationListener?.onRegistrations(accounts: [Self.info(.registered(expires: 600, push: true))])
        let second = await iterator.next()
        XCTAssertEqual(second, [Self.info(.registered(expires: 600, push: true))])
    }

    func testEndingAStreamCancelsItsSubscription() async {
        // The stream's builder subscribes at once, before anyone reads.
        let stream = service.liveCalls()
        XCTAssertEqual(core.subscriptions.count, 1)
        let reader = Task {
            for await _ in stream {}
        }
        XCTAssertFalse(core.subscriptions[0].cancelled)
        reader.cancel()
        await reader.value
        XCTAssertTrue(core.subscriptions[0].cancelled, "a finished stream must free the core's listener")
    }

    func testEveryEventIsKeptEvenWhenTheReaderIsSlow() async {
        let stream = service.events()
        for digit in ["1", "2", "3"] {
            core.eventListener?.onEvent(event: .dtmf(call: "call-1", digit: digit))
        }
        var digits: [String] = []
        for await event in stream {
            if case let .dtmf(_, digit) = event { digits.append(digit) }
            if digits.count == 3 { break }
        }
        XCTAssertEqual(digits, ["1", "2", "3"])
    }

    func testMessageWaitingCarriesEachAccountsCounts() async {
        let stream = service.messageWaiting()
        var iterator = stream.makeAsyncIterator()
        core.mwiListener?.onMwi(account: "1001@pbx.example.com", newMessages: 2, oldMessages: 5)
        let mwi = await iterator.next()
        XCTAssertEqual(mwi, MessageWaiting(account: "1001@pbx.example.com", newMessages: 2, oldMessages: 5))
    }

    func testVoicemailAudioIsAFileUrlAndChangesReachTheCore() async throws {
        let url = try await service.voicemailAudio(id: "v1")
        XCTAssertTrue(url.isFileURL)
        XCTAssertEqual(url.path, "/var/mobile/voicemail/v1.wav")
        try await service.setVoicemailHeard(id: "v1", heard: true)
        try await service.deleteVoicemail(id: "v1")
        let report = try await service.syncVoicemail()
        XCTAssertEqual(report.added, 1)
        XCTAssertEqual(core.commands, ["audio v1", "heard v1 true", "delete v1", "sync-voicemail"])
    }

    func testContactsAndHistoryCallsPassTheirLimits() async throws {
        let card = ContactCard(uid: "ab-1", name: "Élodie", organization: nil, numbers: [ContactNumber(number: "1002", e164: nil, label: nil)], emails: [])
        let report = try await service.importContacts([card])
        _ = try await service.searchContacts(query: "elo", limit: 20)
        _ = try await service.lookupNumber("+33612345678")
        _ = try await service.history(limit: 50, missedOnly: true)
        try await service.markHistorySeen()
        let directory = try await service.syncDirectory()
        XCTAssertEqual(report.imported, 1)
        XCTAssertEqual(directory.updated, 1)
        XCTAssertEqual(core.commands, ["import 1", "search elo 20", "lookup +33612345678", "history 50 true", "mark-seen", "sync-directory"])
    }

    func testShutdownIsBoundedByTheGivenTimeout() async {
        await service.shutdown(timeoutMs: 2_000)
        XCTAssertEqual(core.commands, ["shutdown 2000"])
    }
}
