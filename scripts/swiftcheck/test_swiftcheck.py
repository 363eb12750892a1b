"""Tests of swiftcheck on small Swift snippets (run by scripts/check-swift)."""
import os
import tempfile
import unittest

import swiftcheck

BINDINGS = """
public protocol PhoneProtocol: AnyObject, Sendable {
    func answer(call: String) async throws
    func handlePush(envelope: Data) -> IncomingCallHint
}
open class Phone: PhoneProtocol, @unchecked Sendable {
#if swift(>=5.8)
    @_documentation(visibility: private)
#endif
    public init(noHandle: NoHandle) {}
    open func answer(call: String) async throws {}
    open func handlePush(envelope: Data) -> IncomingCallHint { fatalError() }
}
public protocol SecretStore: AnyObject, Sendable {
    func password(kind: SecretKind, account: String) -> String?
}
public struct PushToken: Equatable {
    public var provider: PushProvider
    public var prid: String
    public var param: String?
    public init(provider: PushProvider, prid: String, param: String? = nil) {}
}
public struct IncomingCallHint {
    public var call: String
    public var action: HintAction
    public init(call: String, action: HintAction) {}
}
public enum HintAction: Equatable { case ring
    case end(reason: EndReason, diagnostic: String?)
}
public enum PushProvider { case apns, fcm }
public enum EndReason { case answeredElsewhere, failed }
public enum SecretKind { case sip }
public func parseProvisioning(input: String) throws -> PushToken { fatalError() }
fileprivate struct FfiConverterString {}
let writeReturn = { () }
"""

SDK = {"String", "Data", "Bool", "AnyObject", "Sendable", "print"}


class Base(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.bindings = self.write("RingsideCore.swift", BINDINGS)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def names(self, swift, bindings=None):
        path = self.write("Use.swift", "import RingsideCore\n" + swift)
        return [p.message for p in swiftcheck.check_names([path], bindings or self.bindings, SDK)]


class ParseCheck(unittest.TestCase):
    def test_valid_swift_has_no_errors(self):
        self.assertEqual(swiftcheck.parse_errors(b"func f() async throws -> Int { try await g() }\n"), [])

    def test_a_syntax_error_is_reported_with_its_line(self):
        errors = swiftcheck.parse_errors(b"let a = 1\nfunc f( {\n")
        self.assertTrue(errors)
        self.assertEqual(errors[0][0], 2)

    def test_a_missing_brace_is_reported(self):
        self.assertTrue(swiftcheck.parse_errors(b"struct S {\n  var x: Int\n"))

    def test_generated_code_parses_after_resolving_if_and_known_grammar_gaps(self):
        self.assertTrue(swiftcheck.parse_errors(BINDINGS.encode()))
        self.assertEqual(swiftcheck.parse_errors(swiftcheck.prepare_generated(BINDINGS).encode()), [])

    def test_resolving_conditionals_keeps_line_numbers(self):
        text = "a\n#if swift(>=5.8)\nb\n#else\nc\n#endif\nd"
        self.assertEqual(swiftcheck.resolve_conditionals(text).split("\n"), ["a", "", "b", "", "", "", "d"])

    def test_compiler_6_branches_are_dropped_for_swift_5_9(self):
        self.assertEqual(swiftcheck.resolve_conditionals("#if compiler(>=6)\nx\n#endif").split("\n"), ["", "", ""])


class NamesCheck(Base):
    def test_index_has_public_types_members_cases_and_functions_not_fileprivate_ones(self):
        idx = swiftcheck.index_bindings(BINDINGS)
        self.assertIn("answer", idx.types["Phone"].members)
        self.assertEqual(idx.types["HintAction"].cases, {"ring", "end"})
        self.assertEqual(idx.types["IncomingCallHint"].fields["action"], "HintAction")
        self.assertIn("parseProvisioning", idx.functions)
        self.assertNotIn("FfiConverterString", idx.types)

    def test_correct_uses_pass(self):
        self.assertEqual(self.names("""
final class Keys: SecretStore {
    func password(kind: SecretKind, account: String) -> String? { nil }
}
func f(core: any PhoneProtocol, hint: IncomingCallHint) async throws {
    try await core.answer(call: hint.call)
    let t = PushToken(provider: .apns, prid: "x")
    _ = EndReason.answeredElsewhere
    _ = try parseProvisioning(input: "ringside:account")
    switch hint.action {
    case .ring: print(t)
    case .end(let reason, _): print(reason)
    }
}
"""), [])

    def test_a_collection_of_core_values_has_the_collections_members(self):
        self.assertEqual(self.names("""
func f(hints: [IncomingCallHint], byId: [String: IncomingCallHint], one: IncomingCallHint?) {
    _ = hints.first
    _ = hints.filter { _ in true }
    _ = byId.isEmpty
    _ = one.map { $0.call }
}
"""), [])
        self.assertEqual(self.names("func f(one: IncomingCallHint?) { _ = one?.nope }"),
                         ["IncomingCallHint.nope is not in RingsideCore"])

    def test_a_missing_method_is_reported(self):
        self.assertEqual(self.names("func f(core: Phone) async throws { try await core.hangup(call: \"c\") }"),
                         ["Phone.hangup is not in RingsideCore"])

    def test_wrong_labels_are_reported(self):
        problems = self.names("func f(core: Phone) async throws { try await core.answer(id: \"c\") }")
        self.assertEqual(problems, ["Phone.answer(id:): labels differ from RingsideCore's"])

    def test_an_unknown_type_is_reported(self):
        self.assertEqual(self.names("func f(x: CallInfo) {}"),
                         ["type CallInfo is neither ours, an SDK type, nor in RingsideCore"])

    def test_a_missing_case_and_a_missing_static_are_reported(self):
        problems = self.names("""
func f(hint: IncomingCallHint) {
    switch hint.action {
    case .alreadyRinging: print("")
    default: print("")
    }
    _ = EndReason.cancelled
}
""")
        self.assertEqual(sorted(problems), ["EndReason.cancelled is not in RingsideCore",
                                            "HintAction.alreadyRinging is not a case in RingsideCore"])

    def test_initializer_labels_out_of_order_are_reported(self):
        self.assertEqual(self.names('let t = PushToken(prid: "x", provider: .apns)'),
                         ['PushToken(prid:provider:): no such initializer of PushToken'])

    def test_an_unknown_free_function_is_reported(self):
        self.assertEqual(self.names('let p = startPhone(settings: 1)'),
                         ["function startPhone is neither ours, an SDK function, nor in RingsideCore"])

    def test_a_conformance_with_other_labels_is_reported(self):
        self.assertEqual(self.names("final class K: SecretStore { func password(account: String) -> String? { nil } }"),
                         ["conforms to RingsideCore's SecretStore but lacks password(kind:account:)"])

    def test_a_parameter_named_like_a_property_is_scoped_to_its_function(self):
        self.assertEqual(self.names("""
final class M {
    var error: String?
    func describe(_ error: IncomingCallHint) -> String { error.call }
    func other() { print(error?.count) }
}
"""), [])

    def test_files_not_importing_the_core_are_not_checked(self):
        path = self.write("Plain.swift", "func f(x: CallInfo) {}\n")
        self.assertEqual(swiftcheck.check_names([path], self.bindings, SDK), [])


TODAY = os.environ.get("RINGSIDE_TODAY_BINDINGS")


@unittest.skipUnless(TODAY, "RINGSIDE_TODAY_BINDINGS: today's generated RingsideCore.swift")
class AgainstTodaysBindings(Base):
    """A throwaway proof on the real generated file of today's FFI (before the new contract
    lands): uses written in today's names pass, the new contract's names are reported."""

    def test_todays_names_pass(self):
        self.assertEqual(self.names("""
final class Keys: SecretStore {
    func password(account: String) -> String? { nil }
}
final class Listen: EventListener {
    func onEvent(event: Event) {}
}
func f(phone: Phone, hint: IncomingCallHint, entry: CallLogEntry) throws {
    try phone.answer(call: hint.call)
    try phone.setPushToken(token: PushToken(provider: "apns", prid: "ab", param: "T.app.voip"))
    _ = try phone.callLog(limit: 20)
    print(entry.reason ?? "", entry.missed)
    switch hint.action {
    case .ring, .alreadyRinging: print("")
    case .end(let reason, _): print(reason)
    }
}
""", bindings=TODAY), [])

    def test_the_new_contracts_names_are_reported(self):
        problems = self.names("func f(phone: Phone) async throws { _ = try await phone.searchContacts(query: \"a\", limit: 5) }",
                              bindings=TODAY)
        self.assertEqual(problems, ["Phone.searchContacts is not in RingsideCore"])


if __name__ == "__main__":
    unittest.main()
