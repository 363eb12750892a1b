"""Checks the iOS shell's Swift without a Swift compiler (there is none on Linux CI).

Two checks, both on real syntax trees from tree-sitter's Swift grammar:

- parse: every file parses with no ERROR or MISSING node (printed as file:line).
- names: what the Swift code uses from the generated `RingsideCore` module exists there.
  The bindings file is indexed (public types, their members, init and method labels, enum
  cases with their labels, record fields with their types, top-level functions). Then, in
  each file that imports RingsideCore (or RingsideKit, which re-exports it):
    types      a type name that is not declared in our own Swift and is not an SDK name
               (sdk-names.txt) must be a RingsideCore type;
    inits      `CoreType(label: ...)` labels must be an init's labels, in order;
    statics    `CoreType.member` must be a member (a case, a static function);
    members    `name.member(...)` where `name` is declared with a core type (property,
               parameter, annotated local, `self.name`), including a field's own type
               (`hint.action`), must be a member, with the call's labels;
    cases      `switch` over such a typed expression: each `.case` must be one;
    functions  a free function call not declared in our code and not an SDK function must
               be a RingsideCore top-level function, with its labels;
    conformance a type of ours that conforms to a RingsideCore protocol implements each
               requirement with the same labels.
  It is deliberately conservative: names it cannot type are not guessed at.

Usage: swiftcheck.py parse FILE...
       swiftcheck.py names --bindings RingsideCore.swift [--sdk sdk-names.txt] FILE...
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass, field

import tree_sitter_swift
from tree_sitter import Language, Parser, Node

LANGUAGE = Language(tree_sitter_swift.language())
SWIFT_VERSION = (5, 9)
CORE_MODULES = {"RingsideCore", "RingsideKit"}


def parser() -> Parser:
    return Parser(LANGUAGE)


# ---------------------------------------------------------------- conditional compilation

_COND = re.compile(r"^\s*#(if|elseif|else|endif)\b(.*)$")


def _condition_true(expr: str) -> bool:
    expr = expr.strip()
    m = re.fullmatch(r"(swift|compiler)\(\s*>=\s*([0-9.]+)\s*\)", expr)
    if m:
        wanted = tuple(int(x) for x in m.group(2).split("."))
        return SWIFT_VERSION >= wanted
    if re.fullmatch(r"canImport\(\w+\)", expr):
        return True
    return True  # DEBUG and the like: check the code in the #if branch


def resolve_conditionals(text: str) -> str:
    """Keeps the branch Swift 5.9 compiles, blanking directives and the other branches so
    line numbers stay (the grammar cannot parse an attribute alone inside `#if`)."""
    out = []
    stack: list[tuple[bool, bool]] = []  # (this branch active, some branch taken)
    for line in text.split("\n"):
        m = _COND.match(line)
        active = all(a for a, _ in stack)
        if m:
            kind, rest = m.group(1), m.group(2)
            if kind == "if":
                take = _condition_true(rest)
                stack.append((take, take))
            elif kind == "elseif" and stack:
                _, taken = stack.pop()
                take = not taken and _condition_true(rest)
                stack.append((take, taken or take))
            elif kind == "else" and stack:
                _, taken = stack.pop()
                stack.append((not taken, True))
            elif kind == "endif" and stack:
                stack.pop()
            out.append("")
        else:
            out.append(line if active else "")
    return "\n".join(out)


# Constructs valid Swift that tree-sitter-swift 0.7.4 cannot parse, found in uniffi's
# generated code, each rewritten to an equivalent the grammar reads (same line).
GRAMMAR_GAPS = [
    ("{ () }", "{ Void() }"),  # a closure returning the empty tuple
]


def prepare_generated(text: str) -> str:
    text = resolve_conditionals(text)
    for old, new in GRAMMAR_GAPS:
        text = text.replace(old, new)
    return text


# ---------------------------------------------------------------- parse check

def parse_errors(source: bytes) -> list[tuple[int, str]]:
    tree = parser().parse(source)
    found: list[tuple[int, str]] = []

    def walk(node: Node) -> None:
        if node.is_missing:
            found.append((node.start_point[0] + 1, f"missing {node.type}"))
            return
        if node.is_error:
            found.append((node.start_point[0] + 1, "syntax error"))
            return
        if node.has_error:
            for child in node.children:
                walk(child)

    walk(tree.root_node)
    return found


# ---------------------------------------------------------------- syntax helpers

def text(node: Node | None) -> str:
    return node.text.decode() if node is not None else ""


def children(node: Node, kind: str) -> list[Node]:
    return [c for c in node.children if c.type == kind]


def first(node: Node, kind: str) -> Node | None:
    for c in node.children:
        if c.type == kind:
            return c
    return None


def walk(node: Node):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


def modifiers(node: Node) -> set[str]:
    mods = first(node, "modifiers")
    return set(text(mods).split()) if mods is not None else set()


def decl_kind(node: Node) -> str:
    for i, c in enumerate(node.children):
        if node.field_name_for_child(i) == "declaration_kind":
            return c.type
    return ""


def type_name(node: Node | None) -> str | None:
    """The core of a type: `T` of `T?`, `[T]`, `any T`, `T!`."""
    if node is None:
        return None
    if node.type == "type_identifier":
        return text(node)
    if node.type == "user_type":
        ids = children(node, "type_identifier")
        return text(ids[-1]) if ids else None
    for c in node.named_children:
        name = type_name(c)
        if name:
            return name
    return None


def member_type(node: Node | None) -> str | None:
    """The type whose members a value of this declared type has: `T` for `T`, `T?`, `T!`,
    `any T`; none for a collection (`[T]`, `[K: V]`): its members are the collection's."""
    if node is None:
        return None
    if node.type in ("array_type", "dictionary_type"):
        return None
    if node.type in ("type_identifier", "user_type"):
        return type_name(node)
    for c in node.named_children:
        if c.type in ("array_type", "dictionary_type"):
            return None
        found = member_type(c)
        if found:
            return found
    return None


def param_labels(node: Node) -> tuple[list[str | None], list[bool], list[str | None]]:
    """External labels (None for `_`), which have defaults, and each parameter's type."""
    labels, defaults, types = [], [], []
    kids = node.children
    for i, c in enumerate(kids):
        if c.type != "parameter":
            continue
        ext = None
        name = None
        ptype = None
        for j, pc in enumerate(c.children):
            f = c.field_name_for_child(j)
            if f == "external_name":
                ext = text(pc)
            elif f == "name" and pc.type == "simple_identifier":
                name = text(pc)
            elif f == "name":
                ptype = type_name(pc)
        label = ext if ext is not None else name
        labels.append(None if label == "_" else label)
        types.append(ptype)
        nxt = kids[i + 1] if i + 1 < len(kids) else None
        defaults.append(nxt is not None and nxt.type == "=")
    return labels, defaults, types


def name_of(node: Node) -> str | None:
    for i, c in enumerate(node.children):
        if node.field_name_for_child(i) == "name":
            if c.type in ("simple_identifier", "type_identifier"):
                return text(c)
            if c.type == "user_type":
                return type_name(c)
            if c.type == "init":
                return "init"
    return None


# ---------------------------------------------------------------- the bindings' index

@dataclass
class Signature:
    labels: list[str | None]
    defaults: list[bool]
    types: list[str | None] = field(default_factory=list)


@dataclass
class TypeInfo:
    kind: str
    members: dict[str, list[Signature]] = field(default_factory=dict)  # funcs, cases, inits
    fields: dict[str, str | None] = field(default_factory=dict)       # properties → type
    cases: set[str] = field(default_factory=set)
    inherits: list[str] = field(default_factory=list)

    def has(self, name: str) -> bool:
        return name in self.members or name in self.fields or name in self.cases


@dataclass
class Index:
    types: dict[str, TypeInfo] = field(default_factory=dict)
    functions: dict[str, list[Signature]] = field(default_factory=dict)

    def member(self, type_: str, name: str, seen: set[str] | None = None) -> bool:
        info = self.types.get(type_)
        if info is None:
            return False
        if info.has(name):
            return True
        seen = (seen or set()) | {type_}
        return any(self.member(p, name, seen) for p in info.inherits if p not in seen)

    def signatures(self, type_: str, name: str) -> list[Signature]:
        info = self.types.get(type_)
        if info is None:
            return []
        found = list(info.members.get(name, []))
        for p in info.inherits:
            if p != type_:
                found += self.types.get(p, TypeInfo("")).members.get(name, [])
        return found

    def field_type(self, type_: str, name: str) -> str | None:
        info = self.types.get(type_)
        if info is None:
            return None
        if name in info.fields:
            return info.fields[name]
        for p in info.inherits:
            t = self.types.get(p)
            if t and name in t.fields:
                return t.fields[name]
        return None


def _public(node: Node, inside_protocol_or_enum: bool) -> bool:
    mods = modifiers(node)
    if mods & {"private", "fileprivate"}:
        return False
    return inside_protocol_or_enum or bool(mods & {"public", "open"})


def index_bindings(source: str) -> Index:
    idx = Index()
    tree = parser().parse(prepare_generated(source).encode())
    for node in tree.root_node.named_children:
        if node.type == "function_declaration" and _public(node, False):
            labels, defaults, types = param_labels(node)
            idx.functions.setdefault(name_of(node) or "", []).append(Signature(labels, defaults, types))
        elif node.type in ("class_declaration", "protocol_declaration"):
            kind = "protocol" if node.type == "protocol_declaration" else decl_kind(node)
            if kind != "extension" and not _public(node, False):
                continue
            name = name_of(node)
            if name is None:
                continue
            info = idx.types.setdefault(name, TypeInfo(kind))
            if kind != "extension":
                info.kind = kind
            elif name not in idx.types or idx.types[name].kind == "extension":
                pass
            for spec in children(node, "inheritance_specifier"):
                parent = type_name(spec)
                if parent:
                    info.inherits.append(parent)
            _index_body(info, node, kind in ("protocol", "enum"))
    # An extension of a non-public type (FfiConverter…) leaves an entry without a kind.
    idx.types = {k: v for k, v in idx.types.items() if v.kind != "extension"}
    return idx


def _index_body(info: TypeInfo, decl: Node, lenient: bool) -> None:
    body = next((c for c in decl.children if c.type in ("class_body", "enum_class_body", "protocol_body")), None)
    if body is None:
        return
    for m in body.named_children:
        if m.type == "enum_entry":
            names = [text(c) for i, c in enumerate(m.children) if m.field_name_for_child(i) == "name"]
            params = first(m, "enum_type_parameters")
            labels: list[str | None] = []
            types: list[str | None] = []
            if params is not None:
                kids = params.children
                for i, c in enumerate(kids):
                    if params.field_name_for_child(i) == "name":
                        types.append(type_name(c))
                        prev = kids[i - 2] if i >= 2 else None
                        labels.append(text(prev) if prev is not None and prev.type == "simple_identifier" else None)
            for n in names:
                info.cases.add(n)
                info.members.setdefault(n, []).append(Signature(labels, [False] * len(labels), types))
        elif m.type in ("function_declaration", "protocol_function_declaration", "init_declaration"):
            if not _public(m, lenient or m.type == "protocol_function_declaration"):
                continue
            labels, defaults, types = param_labels(m)
            info.members.setdefault(name_of(m) or "", []).append(Signature(labels, defaults, types))
        elif m.type in ("property_declaration", "protocol_property_declaration"):
            if not _public(m, lenient or m.type == "protocol_property_declaration"):
                continue
            pattern = first(m, "pattern")
            ident = first(pattern, "simple_identifier") if pattern is not None else None
            annotation = first(m, "type_annotation")
            if ident is not None:
                info.fields[text(ident)] = member_type(annotation)
    if info.kind == "struct" and "init" not in info.members:
        # A record's memberwise init is written out by uniffi; nothing to synthesise.
        pass


# ---------------------------------------------------------------- our own declarations

def own_declarations(trees: list[Node]) -> tuple[set[str], set[str]]:
    """Type names and function names declared in our Swift (not the bindings)."""
    types, funcs = set(), set()
    for root in trees:
        for n in walk(root):
            if n.type in ("class_declaration", "protocol_declaration", "typealias_declaration"):
                nm = name_of(n)
                if nm and decl_kind(n) != "extension":
                    types.add(nm)
            elif n.type in ("function_declaration", "protocol_function_declaration"):
                nm = name_of(n)
                if nm:
                    funcs.add(nm)
            elif n.type == "enum_entry":
                pass
    return types, funcs


# ---------------------------------------------------------------- the use check

@dataclass
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def imports_core(root: Node) -> bool:
    for n in root.named_children:
        if n.type == "import_declaration" and text(n).split()[-1] in CORE_MODULES:
            return True
    return False


def call_labels(call: Node) -> list[str | None] | None:
    suffix = first(call, "call_suffix")
    if suffix is None:
        return None
    args = first(suffix, "value_arguments")
    labels: list[str | None] = []
    if args is not None:
        for a in children(args, "value_argument"):
            lab = first(a, "value_argument_label")
            labels.append(text(lab) if lab is not None else None)
    if first(suffix, "lambda_literal") is not None:
        labels.append("<trailing>")
    return labels


def labels_match(used: list[str | None], sig: Signature) -> bool:
    """`used` fits `sig` if it is `sig`'s labels with defaulted ones left out (and a trailing
    closure standing for the last parameter)."""
    used = list(used)
    trailing = bool(used) and used[-1] == "<trailing>"
    if trailing:
        used.pop()
    want = list(zip(sig.labels, sig.defaults))
    if trailing and want:
        want.pop()
    i = 0
    for label, has_default in want:
        if i < len(used) and used[i] == label:
            i += 1
        elif not has_default:
            return False
    return i == len(used)


def describe(name: str, labels: list[str | None]) -> str:
    return f"{name}(" + "".join(f"{l or '_'}:" for l in labels if l != "<trailing>") + ")"


SCOPES = {"function_declaration", "init_declaration", "lambda_literal", "class_body", "computed_property",
          "protocol_function_declaration"}
# Members every Swift value has through Foundation or the standard library.
# Members every value has, and Optional's own (`reason.map { … }` on an `EndReason?`).
UNIVERSAL_MEMBERS = {"localizedDescription", "hashValue", "description", "debugDescription", "self", "map", "flatMap"}


class FileChecker:
    def __init__(self, path: str, root: Node, index: Index, own_types: set[str], own_funcs: set[str],
                 sdk: set[str]):
        self.path, self.root, self.index = path, root, index
        self.own_types, self.own_funcs, self.sdk = own_types, own_funcs, sdk
        self.problems: list[Problem] = []
        self.typed: dict[str, str] = {}
        self.scoped: list[tuple[str, int, int, str]] = []  # name, scope start, end, type

    def core_type(self, name: str | None) -> bool:
        return name is not None and name in self.index.types and name not in self.own_types

    def report(self, node: Node, message: str) -> None:
        self.problems.append(Problem(self.path, node.start_point[0] + 1, message))

    def run(self) -> list[Problem]:
        self.collect_typed_names()
        for n in walk(self.root):
            if n.type == "type_identifier":
                self.check_type(n)
            elif n.type == "call_expression":
                self.check_call(n)
            elif n.type == "navigation_expression":
                self.check_navigation(n)
            elif n.type == "switch_statement":
                self.check_switch(n)
            elif n.type == "class_declaration":
                self.check_conformance(n)
        return self.problems

    def collect_typed_names(self) -> None:
        for n in walk(self.root):
            if n.type in ("property_declaration", "parameter"):
                annotation = first(n, "type_annotation")
                tname = member_type(annotation) if annotation is not None else None
                ident = None
                if n.type == "parameter":
                    for i, c in enumerate(n.children):
                        f = n.field_name_for_child(i)
                        if f == "name" and c.type == "simple_identifier":
                            ident = text(c)
                        elif f == "name":
                            tname = member_type(c)
                else:
                    pattern = first(n, "pattern")
                    idn = first(pattern, "simple_identifier") if pattern is not None else None
                    ident = text(idn) if idn is not None else None
                if ident and self.core_type(tname):
                    scope = n.parent
                    while scope is not None and scope.type not in SCOPES:
                        scope = scope.parent
                    if scope is None or scope.type == "class_body":
                        self.typed[ident] = tname  # type: ignore[assignment]
                    else:
                        self.scoped.append((ident, scope.start_byte, scope.end_byte, tname))  # type: ignore[arg-type]

    def lookup(self, name: str, at: Node) -> str | None:
        """The innermost declaration of `name` around `at`, else a property's."""
        best = None
        for ident, start, end, tname in self.scoped:
            if ident == name and start <= at.start_byte < end and (best is None or start >= best[0]):
                best = (start, tname)
        if best is not None:
            return best[1]
        inner = any(ident == name and start <= at.start_byte < end for ident, start, end, _ in self.scoped)
        return None if inner else self.typed.get(name)

    def check_type(self, n: Node) -> None:
        name = text(n)
        parent = n.parent
        if parent is not None and parent.type == "user_type":
            if parent.parent is not None and parent.parent.type == "attribute":
                return  # @unchecked, @MainActor: attributes, not types
            if parent.named_children and parent.named_children[0] != n:
                return  # Outer.Inner: the outer name is checked
        if name in self.generic_names() or name in ("async", "throws", "some", "any"):
            return  # generic parameters; keywords the grammar leaves in a type position
        if name in self.own_types or name in self.sdk or name in self.index.types:
            return
        self.report(n, f"type {name} is neither ours, an SDK type, nor in RingsideCore")

    def expr_type(self, expr: Node | None) -> str | None:
        """The core type of `name`, `self.name`, or `x.field` where x is typed."""
        if expr is None:
            return None
        if expr.type == "simple_identifier":
            return self.lookup(text(expr), expr)
        if expr.type == "navigation_expression":
            target = expr.child_by_field_name("target")
            member = self.suffix_name(expr)
            if target is not None and target.type == "self_expression":
                return self.typed.get(member or "")
            base = self.expr_type(target)
            if base and member:
                found = self.index.field_type(base, member)
                return found if self.core_type(found) else None
        return None

    @staticmethod
    def suffix_name(nav: Node) -> str | None:
        suffix = nav.child_by_field_name("suffix")
        if suffix is None:
            return None
        ident = first(suffix, "simple_identifier")
        return text(ident) if ident is not None else None

    def check_call(self, call: Node) -> None:
        callee = call.named_children[0] if call.named_children else None
        labels = call_labels(call)
        if callee is None or labels is None:
            return
        if callee.type == "simple_identifier":
            name = text(callee)
            if self.core_type(name):
                sigs = self.index.signatures(name, "init")
                if sigs and not any(labels_match(labels, s) for s in sigs):
                    self.report(call, f"{describe(name, labels)}: no such initializer of {name}")
                elif not sigs and self.index.types[name].kind != "protocol":
                    self.report(call, f"{name} has no public initializer")
            elif name in self.index.functions and name not in self.own_funcs:
                if not any(labels_match(labels, s) for s in self.index.functions[name]):
                    self.report(call, f"{describe(name, labels)}: labels differ from RingsideCore's {name}")
            elif name not in self.own_funcs and name not in self.sdk and name not in self.own_types \
                    and name[:1].islower() and not self.is_local_closure(name):
                self.report(call, f"function {name} is neither ours, an SDK function, nor in RingsideCore")
        elif callee.type == "navigation_expression":
            target = callee.child_by_field_name("target")
            member = self.suffix_name(callee)
            owner = text(target) if target is not None and target.type == "simple_identifier" and self.core_type(text(target)) else None
            owner = owner or self.expr_type(target)
            if owner and member and self.index.member(owner, member):
                sigs = self.index.signatures(owner, member)
                if sigs and not any(labels_match(labels, s) for s in sigs):
                    self.report(call, f"{owner}.{describe(member, labels)}: labels differ from RingsideCore's")

    _generics: set[str] | None = None

    def generic_names(self) -> set[str]:
        if self._generics is None:
            self._generics = {text(first(n, "type_identifier")) for n in walk(self.root)
                              if n.type == "type_parameter" and first(n, "type_identifier") is not None}
        return self._generics

    def is_local_closure(self, name: str) -> bool:
        return name in self.local_names()

    _locals: set[str] | None = None

    def local_names(self) -> set[str]:
        if self._locals is None:
            names = set()
            for n in walk(self.root):
                if n.type in ("pattern", "parameter", "lambda_parameter", "property_declaration",
                              "value_binding_pattern", "if_statement", "guard_statement", "for_statement"):
                    for i, c in enumerate(n.children):
                        if c.type == "simple_identifier" and (n.type != "if_statement" or n.field_name_for_child(i) == "bound_identifier"):
                            names.add(text(c))
            self._locals = names
        return self._locals

    def check_navigation(self, nav: Node) -> None:
        target = nav.child_by_field_name("target")
        member = self.suffix_name(nav)
        if target is None or member is None:
            return
        if target.type == "simple_identifier" and self.core_type(text(target)) and text(target) not in self.typed:
            owner = text(target)
        else:
            owner = self.expr_type(target)
        if owner and member not in UNIVERSAL_MEMBERS and not self.index.member(owner, member):
            self.report(nav, f"{owner}.{member} is not in RingsideCore")

    def check_switch(self, sw: Node) -> None:
        subject = sw.child_by_field_name("expr")
        owner = self.expr_type(subject)
        if not owner or self.index.types[owner].kind != "enum":
            return
        for entry in children(sw, "switch_entry"):
            for pat in children(entry, "switch_pattern"):
                for n in walk(pat):
                    if n.type == "pattern" and n.parent is not None and n.parent.type == "switch_pattern":
                        ident = first(n, "simple_identifier")
                        if ident is not None and text(n).lstrip().startswith((".", "let .", "var .")) \
                                and text(ident) not in self.index.types[owner].cases:
                            self.report(ident, f"{owner}.{text(ident)} is not a case in RingsideCore")

    def check_conformance(self, decl: Node) -> None:
        protocols = [type_name(s) for s in children(decl, "inheritance_specifier")]
        ours: dict[str, list[list[str | None]]] = {}
        body = first(decl, "class_body")
        if body is None:
            return
        for m in body.named_children:
            if m.type == "function_declaration":
                labels, _, _ = param_labels(m)
                ours.setdefault(name_of(m) or "", []).append(labels)
        for p in protocols:
            info = self.index.types.get(p or "")
            if info is None or info.kind != "protocol" or p in self.own_types:
                continue
            for req, sigs in info.members.items():
                for sig in sigs:
                    if sig.labels not in ours.get(req, []):
                        self.report(decl, f"conforms to RingsideCore's {p} but lacks {describe(req, sig.labels)}")


def check_names(paths: list[str], bindings: str, sdk: set[str], all_ours: list[str] | None = None) -> list[Problem]:
    with open(bindings, encoding="utf-8") as f:
        index = index_bindings(f.read())
    p = parser()
    trees = {}
    for path in sorted(set(paths) | set(all_ours or [])):
        with open(path, "rb") as f:
            trees[path] = p.parse(f.read()).root_node
    own_types, own_funcs = own_declarations(list(trees.values()))
    problems: list[Problem] = []
    for path in paths:
        root = trees[path]
        if imports_core(root):
            problems += FileChecker(path, root, index, own_types, own_funcs, sdk).run()
    return problems


def load_sdk(path: str) -> set[str]:
    names = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            names.update(line.split())
    return names


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    pp = sub.add_parser("parse")
    pp.add_argument("--bindings-mode", action="store_true", help="resolve #if for Swift 5.9 first (generated code)")
    pp.add_argument("files", nargs="+")
    np = sub.add_parser("names")
    np.add_argument("--bindings", required=True)
    np.add_argument("--sdk", default=os.path.join(os.path.dirname(__file__), "sdk-names.txt"))
    np.add_argument("files", nargs="+")
    args = ap.parse_args(argv)
    failed = 0
    if args.cmd == "parse":
        for path in args.files:
            with open(path, "rb") as f:
                source = f.read()
            if args.bindings_mode:
                source = prepare_generated(source.decode()).encode()
            errors = parse_errors(source)
            for line, what in errors:
                print(f"{path}:{line}: {what}")
            print(f"{'ok  ' if not errors else 'FAIL'} parse {path}")
            failed += bool(errors)
        print(f"{len(args.files) - failed} passed, {failed} failed")
    else:
        problems = check_names(args.files, args.bindings, load_sdk(args.sdk))
        for problem in problems:
            print(problem)
        bad = {p.path for p in problems}
        for path in args.files:
            print(f"{'FAIL' if path in bad else 'ok  '} names {path}")
        failed = len(bad)
        print(f"{len(args.files) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
