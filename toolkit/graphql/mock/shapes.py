"""Document shapes: documents that differ only in the literal values of field arguments share their work.

A client that inlines its values (``{ product(id: "UHJv42") { ... } }``) sends a new query text with every
id, so the per-text cache of parsed and validated documents never hits, and each request pays graphql-core's
parse and validation again (four fifths of such an answer). ``lift`` scans the text once (a regex stops at
strings, numbers, comments and brackets only) and lifts out each string, int and float literal that is the
whole value of a field argument, leaving the shape: the text itself with a placeholder per lifted literal (its
kind, and which earlier literal it equals: validation compares the arguments of fields merged under one
response key). Documents sent again with other values keep their formatting, so the text is the key as is.
Aliases of an operation's own root fields are lifted too when the text holds their name only once (batched
queries with generated aliases, ``p123: product(id: "UHJv123")``): such a name is no other response key, field,
argument or type of the document, so renaming it bijectively cannot change what validation finds, and the
answer is the template's with its root keys renamed (``renamed``; values are seeded by field names, never by
response keys).
Documents are learnt on the second sighting of a shape (``GraphQLMock._learn_shape``), once the full path has
parsed, measured and validated it: a document sent once pays only the scan.

A ``Shape`` is made from a document of that shape that parsed and validated: its template is the document
with each lifted literal replaced by a variable ``$__ctk<i>`` (never declared; only the compiled plan reads
it), and the input type each literal had to fit. Another document of that shape is then valid exactly when
each of its literals fits that type (``slot_value``: the checks graphql-core's ``ValuesOfCorrectTypeRule``
makes for ID, String, Int and Float) — no other rule depends on a literal's value, apart from the equality the
shape's key keeps. Anything else, and any doubt, is left to the full path: a literal that does not fit (whose
error graphql-core reports), a string with an escape, a block string, introspection, a position of another
type, a document that did not validate.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    FloatValueNode,
    FragmentDefinitionNode,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLNonNull,
    GraphQLSchema,
    GraphQLString,
    IntValueNode,
    NameNode,
    OperationDefinitionNode,
    StringValueNode,
    TypeInfo,
    TypeInfoVisitor,
    VariableNode,
    Visitor,
    visit,
)

from toolkit.graphql.mock.costs import Measured
from toolkit.graphql.mock.plan import Plan

SLOT_PREFIX = "__ctk"
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_MAX_SLOTS = 256  # literals lifted from one document; more: the full path (a document of many ids is rare)
SLOT_NAMES = tuple(f"{SLOT_PREFIX}{index}" for index in range(_MAX_SLOTS + 1))  # the variable of each literal

# What the scan stops at (names, punctuators other than brackets and ignored tokens are skipped by the regex
# engine, not looked at here): simple strings (an escape or a block string sends the document to the full path
# before the scan), comments, numbers not inside a name, brackets.
_SCAN = re.compile(
    r'[^"#\-0-9(){}\[\]:]*+'  # what is never looked at, skipped inside the regex engine
    r'(?:(?P<string>"[^"\\\x00-\x08\x0a-\x1f]*+")'
    r"|(?P<comment>#[^\n\r]*)"
    r"|(?P<colon>:)"
    r"|(?P<number>(?<![_0-9A-Za-z.])-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<bracket>[(){}\[\]])"
    r'|(?P<stray>"))'
)
_IGNORED = "[ \t\n\r,\ufeff]*"
# Read backwards from a bracket or a literal (on the reversed text, so each is one anchored match): before a
# field's argument list, its name, not a directive's or a fragment spread's (``@name(``, ``...name(``); before
# an argument's value, its name (not a variable's) and a colon.
_BEFORE_PARENTHESIS = re.compile(rf"{_IGNORED}([_0-9A-Za-z]+){_IGNORED}(@|\.\.\.)?")
_BEFORE_VALUE = re.compile(rf"{_IGNORED}:{_IGNORED}([_0-9A-Za-z]+)(\$?)")
_BEFORE_COLON = re.compile(rf"{_IGNORED}([_0-9A-Za-z]+)")
_FRAGMENT = re.compile(r"(?<![_0-9A-Za-z])fragment(?![_0-9A-Za-z])")
_INT = re.compile(r"-?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_NAME_START = frozenset("_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.")
_INTROSPECTION = re.compile(r"__(?:schema|type)(?![_0-9A-Za-z])")
_CLOSES = {")": "(", "}": "{", "]": "["}


@dataclass(frozen=True)
class Lifted:
    """A document's shape (``key``) and its lifted literals, in text order: (kind "S"/"I"/"F", raw text, start);
    and its lifted aliases: (name, start)."""

    key: str
    literals: tuple[tuple[str, str, int], ...]
    aliases: tuple[tuple[str, int], ...] = ()


def lift(query: str) -> Lifted | None:
    """The shape of ``query`` and its lifted literals; None when it has none, or the scan here is not sure.

    The key is the text itself with each lifted literal replaced by a placeholder: two documents with one key are
    the same characters but for those literals (whether each is the literal token it seems is checked against the
    parsed document when a shape is made, ``make_shape``)."""
    if "\\" in query or '"""' in query or SLOT_PREFIX in query or _INTROSPECTION.search(query):
        return None
    literals: list[tuple[str, str, int]] = []
    aliases: list[tuple[str, int]] = []
    parts: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    # the open brackets: "{" a selection set, "(" a field's arguments (the only place literals are lifted from),
    # "o" variable definitions or a directive's or fragment spread's arguments, "v" a list or object value
    stack: list[str] = []
    last = 0
    top = 0  # where the current top-level definition starts
    in_operation = False  # whether the open top-level selection set is an operation's (not a fragment's)
    size = len(query)
    backwards = query[::-1]
    for found in _SCAN.finditer(query):
        kind = found.lastgroup or "comment"
        if kind == "comment":
            continue
        if kind == "bracket":
            char = found.group(kind)
            start = found.start(kind)
            if char == "{":
                if not stack:
                    in_operation = _FRAGMENT.search(query, top, start) is None
                stack.append("{" if not stack or stack[-1] == "{" else "v")
            elif char == "[":
                if not stack or stack[-1] == "{":
                    return None
                stack.append("v")
            elif char == "(":
                if not stack:
                    stack.append("o")  # variable definitions (or an operation's directive)
                    continue
                before = _BEFORE_PARENTHESIS.match(backwards, size - start)
                if before is None or before.group(1)[-1].isdigit() or stack[-1] != "{":
                    return None
                stack.append("o" if before.group(2) else "(")
            else:
                if not stack:
                    return None
                opened = stack.pop()
                if (
                    _CLOSES[char] != opened
                    and not (char == ")" and opened == "o")
                    and not (char in "}]" and opened == "v")
                ):
                    return None
                if not stack and char == "}":
                    top = found.end(kind)
            continue
        if kind == "colon":
            if in_operation and stack == ["{"]:  # a colon in an operation's own selection set follows an alias
                start = found.start(kind)
                before = _BEFORE_COLON.match(backwards, size - start)
                if before is None:
                    continue
                name_start, name_end = size - before.end(1), size - before.start(1)
                name = query[name_start:name_end]
                # a name the text holds once is no other response key, field, argument or type: renaming it cannot
                # change what validation finds (``make_shape`` checks it is an alias of an operation's root field)
                if not name[0].isdigit() and query.count(name) == 1 and len(aliases) < _MAX_SLOTS:
                    aliases.append((name, name_start))
                    parts.append(query[last:name_start])
                    parts.append(f"\x00A{len(aliases) - 1}\x00")
                    last = name_end
            continue
        if kind == "stray":
            return None  # a string this scan does not read (a control character in it): the parser will say
        text = found.group(kind)
        start, end = found.span(kind)
        if kind == "number" and ((end < size and query[end] in _NAME_START) or not _FLOAT.fullmatch(text)):
            return None  # ``01``, ``1.``, ``1a``: the parser's error to report
        if not stack or stack[-1] != "(":
            continue
        before = _BEFORE_VALUE.match(backwards, size - start)
        if before is None or before.group(2) or before.group(1)[-1].isdigit():
            continue
        literal = "S" if kind == "string" else ("I" if _INT.fullmatch(text) else "F")
        if literal == "F" and not _is_float(text):
            return None
        first = seen.setdefault((literal, text), len(literals))
        literals.append((literal, text, start))
        if len(literals) > _MAX_SLOTS:
            return None
        parts.append(query[last:start])
        parts.append(f"\x00{literal}{first}\x00")
        last = end
    if not literals or stack:
        return None
    parts.append(query[last:])
    return Lifted("".join(parts), tuple(literals), tuple(aliases))


def _is_float(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except (ValueError, OverflowError):  # pragma: no cover - the pattern allows only numbers
        return False


def slot_value(kind: str, text: str, expected: str) -> tuple[bool, Any]:
    """(whether a literal of ``kind`` fits an argument of the built-in scalar ``expected``, the value
    graphql-core would pass the resolver): the checks ``ValuesOfCorrectTypeRule`` makes."""
    if expected == "ID":
        if kind == "S":
            return True, text[1:-1]
        return (True, text) if kind == "I" else (False, None)
    if expected == "String":
        return (True, text[1:-1]) if kind == "S" else (False, None)
    if expected == "Int":
        if kind != "I" or len(text) > 11:
            return False, None
        number = int(text)
        return (_INT_MIN <= number <= _INT_MAX), number
    if expected == "Float":
        if kind not in ("I", "F") or len(text) > 400:
            return False, None
        real = float(text)
        return math.isfinite(real), real
    return False, None  # pragma: no cover - shapes hold only the four


@dataclass
class Shape:
    """What documents of one shape share: the template (literals as ``$__ctk<i>``), the type each literal fits,
    its measures and plans by operation name. ``usable`` False: a document of this shape goes the full path."""

    template: DocumentNode | None
    expected: tuple[str, ...] = ()
    size: int = 0
    fragments: dict[str, FragmentDefinitionNode] = field(default_factory=dict)
    measured: dict[str | None, Measured] = field(default_factory=dict)
    plans: dict[str | None, Plan | None] = field(default_factory=dict)
    roots: dict[str | None, tuple[str, ...]] = field(default_factory=dict)  # the contract operations selected
    aliases: tuple[str, ...] = ()  # the template's lifted aliases (root response keys), in text order
    # the template's operation by the operationName that selects it, and each literal's variable with the type it
    # must fit
    operations: dict[str | None, OperationDefinitionNode] = field(default_factory=dict)
    slots: tuple[tuple[str, str], ...] = ()


_BUILTIN = {GraphQLID.name: "ID", GraphQLString.name: "String", GraphQLInt.name: "Int", GraphQLFloat.name: "Float"}
_SPECIFIED = (GraphQLID, GraphQLString, GraphQLInt, GraphQLFloat)


def make_shape(schema: GraphQLSchema, document: DocumentNode, lifted: Lifted, size: int) -> Shape:
    """The shape of a parsed, validated ``document`` whose literals are ``lifted``: unusable when a literal's place
    is not what ``lift`` took it for, or its type is not one ``slot_value`` checks."""
    starts = {start: index for index, (_, _, start) in enumerate(lifted.literals)}
    expected: list[str | None] = [None] * len(lifted.literals)
    found: dict[int, ArgumentNode] = {}
    info = TypeInfo(schema)

    class _Arguments(Visitor):
        def enter_argument(self, node: ArgumentNode, _key: Any, _parent: Any, _path: Any, ancestors: Any) -> None:
            value = node.value
            if not ancestors or not isinstance(ancestors[-1], FieldNode):
                return  # a directive's argument: never lifted
            if not isinstance(value, StringValueNode | IntValueNode | FloatValueNode) or value.loc is None:
                return
            index = starts.get(value.loc.start)
            if index is None:
                return
            type_ = info.get_input_type()
            if isinstance(type_, GraphQLNonNull):
                type_ = type_.of_type
            if type_ in _SPECIFIED:
                expected[index] = _BUILTIN[type_.name]
            found[index] = node

    visit(document, TypeInfoVisitor(info, _Arguments()))
    if len(found) != len(lifted.literals) or any(kind is None for kind in expected):
        return Shape(None, size=size)
    if lifted.aliases and not _root_aliases(document, lifted.aliases):
        return Shape(None, size=size)
    # the literal nodes are replaced in a copy: the template is shared by every document of the shape, the
    # original stays the document the per-text cache holds
    template = copy.deepcopy(document)
    replaced = 0

    class _Replace(Visitor):
        def enter_argument(self, node: ArgumentNode, *_: Any) -> ArgumentNode | None:
            nonlocal replaced
            value = node.value
            if value.loc is None or value.loc.start not in starts:
                return None
            if not isinstance(value, StringValueNode | IntValueNode | FloatValueNode):
                return None
            replaced += 1
            name = NameNode(value=f"{SLOT_PREFIX}{starts[value.loc.start]}")
            return ArgumentNode(name=node.name, value=VariableNode(name=name), loc=node.loc)

    template = visit(template, _Replace())
    if replaced != len(lifted.literals) or not isinstance(template, DocumentNode):
        return Shape(None, size=size)
    fragments = {d.name.value: d for d in template.definitions if isinstance(d, FragmentDefinitionNode)}
    aliases = tuple(name for name, _ in lifted.aliases)
    kinds = tuple(kind for kind in expected if kind is not None)
    slots = tuple(zip(SLOT_NAMES, kinds, strict=False))
    return Shape(template, kinds, size, fragments, aliases=aliases, slots=slots)


def _root_aliases(document: DocumentNode, aliases: tuple[tuple[str, int], ...]) -> bool:
    """Whether each lifted alias is the alias of a field in an operation's own selection set (its response key
    a key of the answer's ``data``, renamed there: ``renamed``), not one in a fragment."""
    starts = {start: name for name, start in aliases}
    found = 0
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        for selection in definition.selection_set.selections:
            alias = selection.alias if isinstance(selection, FieldNode) else None
            if alias is not None and alias.loc is not None and starts.get(alias.loc.start) == alias.value:
                found += 1
    return found == len(aliases)


def renamed(data: dict[str, Any], template: tuple[str, ...], aliases: tuple[tuple[str, int], ...]) -> dict[str, Any]:
    """The answer's ``data`` with the template's lifted aliases renamed to this document's, in place order."""
    names = renamed_keys(template, aliases)
    if not names:
        return data
    return {names.get(key, key): value for key, value in data.items()}


def renamed_keys(template: tuple[str, ...], aliases: tuple[tuple[str, int], ...]) -> dict[str, str]:
    """The template's lifted aliases that this document names otherwise: template key -> this document's."""
    return {old: new for old, (new, _) in zip(template, aliases, strict=True) if old != new}
