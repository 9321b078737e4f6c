"""Plain requests of simple elements recognized by a regex: the operation's element and its echoes, without lxml.

A document/literal request whose element is a flat sequence of simple leaves (``<GetAccountRequest
xmlns="..."><id>001A...</id></GetAccountRequest>``), sent in the plain envelope (``plain_envelope.plain_frame``),
is read by a regex made for that element, and its values checked by exact rules; the mock then answers it as it
answers the same request read by lxml and validated by libxml2: its element's name, no violation, the same echoes.

It answers only where that is certain, None everywhere else (the request is then read and validated as before, so
every refusal is libxml2's, in its words):

- the element (no ``xsi:`` attributes, no attributes at all but its namespace declaration, ``"`` quoted) is
  written as ``<L xmlns="NS">`` with qualified children, or ``<q:L xmlns:q="NS">`` (``q`` not starting with
  ``xml``, not the envelope's prefix) with ``<q:C>`` for qualified and ``<C>`` for unqualified children; each
  child once, in the sequence's order, optional ones present or not, XML whitespace between the tags;
- each value is 1 or more printable ASCII characters other than ``<``, ``>``, ``&``, ``]``, spaces inside only (no
  entity, character reference or CDATA; what leaf_values echoes is the text as it is);
- the schema side (made once per element, ``_form``): the element and its type are not abstract, no attribute is
  required, no substitution group; the content is a sequence (1..1, nested 1..1 sequences flattened) of element
  particles of 0..1 or 1..1, of distinct names, each a leaf (simple type, no attributes) of an ``xs:string``-
  derived type whose facets are only enumerations, exact patterns (RE2's verdict trusted, as the validator's moved
  patterns are), lengths and whiteSpace preserve, no fixed value; no moved pattern under the element (its slow
  values are counted by the validator). The schema is read by ctk's compiler, not libxml2, so each form is tried
  when made: four of the generator's instances of the element, and each of them without one of its children, in
  both spellings; every one the form recognizes must be valid to libxml2, with the same echoes, or the element is
  not recognized (and at least one must be recognized); and the first ``_CHECK_FIRST`` requests recognized per
  element are also read and validated the slow way, which must agree (else the form is dropped).

``tests/soap/test_soap2_plain_requests.py`` compares the mock's answers with and without it on the workspace and
corpus operations, on valid requests and thousands of mutations of them.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable
from dataclasses import fields

from lxml import etree

from toolkit.soap.generate.generator import XsdGenerator
from toolkit.soap.generate.nodes import (
    ChoiceNode,
    ElementDecl,
    ElementParticle,
    Node,
    SequenceNode,
    _no_substitutes,
)
from toolkit.soap.generate.simple_types import Facets, SimpleType
from toolkit.soap.mock.envelope import EnvelopeError, leaf_values, read_envelope
from toolkit.soap.mock.plain_envelope import plain_frame
from toolkit.soap.xsd.validate import XsdValidator

__all__ = ["PlainRequests", "Recognized"]

Recognized = tuple[str, str, dict[str, str]]  # the SOAP version, the element's Clark name, the echoes
_CHECK_FIRST = 8  # requests recognized per element that are read and validated the slow way too
_MAX_LEAVES = 32  # a larger element: not recognized
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")  # the names a form spells (others: not recognized)
_SPACE = rb"[ \t\r\n]*"
_CHAR = rb"[!-%'-;=?-\\^-~]"  # printable ASCII but & < > ]
_VALUE = rb"(" + _CHAR + rb"(?:[ !-%'-;=?-\\^-~]*" + _CHAR + rb")?)"
_NCNAME = rb"[A-Za-z_][A-Za-z0-9_.-]*"
# the element's start: its prefix, local name, the prefix its one attribute declares, and the namespace
_ROOT = re.compile(
    rb"<(?:(" + _NCNAME + rb"):)?(" + _NCNAME + rb")[ \t\r\n]+xmlns(?::(" + _NCNAME + rb"))?=\"([!#-%'-;=?-~]*)\""
)
_KNOWN_FACETS = frozenset({"enumeration", "patterns", "length", "min_length", "max_length", "min_inclusive",
                           "max_inclusive", "min_exclusive", "max_exclusive", "total_digits", "fraction_digits",
                           "whitespace"})  # fmt: skip
_VALUE_FACETS = ("min_inclusive", "max_inclusive", "min_exclusive", "max_exclusive", "total_digits", "fraction_digits")

# a value (and its bytes, ASCII) -> True: libxml2 accepts it; False: refuses it; None: cannot tell
Check = Callable[[str, bytes], bool | None]


class _Form:
    """One element's regexes (unprefixed and prefixed spellings) and its leaves' local names and checks."""

    __slots__ = ("checked", "checks", "locals", "prefixed", "unprefixed")

    def __init__(
        self, unprefixed: re.Pattern[bytes] | None, prefixed: re.Pattern[bytes], leaves: list[tuple[str, Check]]
    ) -> None:
        self.unprefixed = unprefixed
        self.prefixed = prefixed
        self.locals = [local for local, _ in leaves]
        self.checks = [check for _, check in leaves]
        self.checked = 0  # requests recognized so far (the first ``_CHECK_FIRST`` are read the slow way too)

    def echoes(self, match: re.Match[bytes], max_echo_length: int) -> dict[str, str] | None:
        """The leaves' echoes as ``leaf_values`` gives them; None when a value's verdict is not known to be True."""
        echoes: dict[str, str] = {}
        values = match.groups()[-len(self.locals) :] if self.locals else ()
        for local, check, raw in zip(self.locals, self.checks, values, strict=True):
            if raw is None:
                continue
            value = raw.decode("ascii")
            if check(value, raw) is not True:
                return None
            if len(value) <= max_echo_length:
                echoes.setdefault(local, value)
        return echoes


class PlainRequests:
    """Recognizes plain requests of the given elements (``read``); a form per element, made on its first request
    (bounded by the WSDL's operations: one per request element)."""

    def __init__(
        self, generator: XsdGenerator, validator: XsdValidator, elements: Iterable[str], max_echo_length: int
    ) -> None:
        self._generator = generator
        self._validator = validator
        self._elements = frozenset(elements)
        self._max_echo_length = max_echo_length
        self._forms: dict[str, _Form | None] = {}

    def read(self, data: bytes, max_elements: int) -> Recognized | None:
        """The version, element and echoes of a plain request of a recognized element, valid (see the module's
        docstring); None: read it the slow way."""
        framed = plain_frame(data, max_elements)
        if framed is None:
            return None
        version, envelope_prefix, content = framed
        head = _ROOT.match(content)
        if head is None:
            return None
        prefix, local, declared, namespace = head.groups()
        if prefix != declared:
            return None
        name = "{" + namespace.decode("ascii") + "}" + local.decode("ascii")
        if name in self._forms:
            form = self._forms[name]
        else:
            if name not in self._elements:
                return None
            form = self._forms[name] = self._form(name)
        if form is None:
            return None
        if prefix is None:
            if form.unprefixed is None:
                return None
            match = form.unprefixed.fullmatch(content)
        elif prefix == envelope_prefix or prefix[:3].lower() == b"xml":
            return None
        else:
            match = form.prefixed.fullmatch(content)
        if match is None:
            return None
        echoes = form.echoes(match, self._max_echo_length)
        if echoes is None:
            return None
        if form.checked < _CHECK_FIRST:  # the first ones the slow way too: a disagreement ends the form
            form.checked += 1
            if not self._agrees(data, max_elements, name, echoes):
                self._forms[name] = None
                return None
        return version, name, echoes

    def _agrees(self, data: bytes, max_elements: int, name: str, echoes: dict[str, str]) -> bool:
        """Whether the slow way reads ``data`` as one element ``name``, valid, with ``echoes``."""
        try:
            envelope = read_envelope(data, max_elements)
        except EnvelopeError:
            return False
        if envelope.headers or len(envelope.body) != 1 or envelope.body[0].tag != name:
            return False
        element = etree.fromstring(etree.tostring(envelope.body[0]))
        _, total = self._validator.check(element)
        return not total and leaf_values(envelope.body, self._max_echo_length) == echoes

    def _form(self, name: str) -> _Form | None:
        """The element's form, when it has one (the module's docstring) and the generator's instances agree."""
        try:
            form = _form_of(self._generator._compiler.global_element(name), self._validator, name)
            return form if form is not None and self._tried(form, name) else None
        except Exception:  # noqa: BLE001 - a schema the compiler or generator cannot handle: not recognized
            return None

    def _tried(self, form: _Form, name: str) -> bool:
        """Whether what the form recognizes of the generator's instances of ``name`` (four, and each without one of
        its children, in both spellings) libxml2 finds valid, with the same echoes, and it recognizes some."""
        tried = 0
        for seed in range(4):
            instance = self._generator.element(name, random.Random(seed))
            variants = [instance]
            for index in range(len(instance)):
                variant = etree.fromstring(etree.tostring(instance))
                del variant[index]
                variants.append(variant)
            for variant in variants:
                _, total = self._validator.check(variant)
                for regex, spelled in (
                    (form.prefixed, _spelled(variant, "q")),
                    (form.unprefixed, _spelled(variant, None)),
                ):
                    if regex is None or spelled is None:
                        continue
                    match = regex.fullmatch(spelled)
                    echoes = form.echoes(match, self._max_echo_length) if match is not None else None
                    if echoes is not None:
                        if total or echoes != leaf_values((variant,), self._max_echo_length):
                            return False
                        tried += 1
        return tried > 0


def _spelled(element: etree._Element, prefix: str | None) -> bytes | None:
    """``element`` (of leaves) written with its namespace declared as ``prefix`` (None: the default namespace, when
    every child is in it), and nothing else declared."""
    namespace = etree.QName(element).namespace
    if namespace is None or (prefix is None and any(etree.QName(child).namespace != namespace for child in element)):
        return None
    nsmap: dict[str | None, str] = {prefix: namespace}
    copy = etree.Element(str(element.tag), nsmap=nsmap)  # type: ignore[arg-type]
    for child in element:
        etree.SubElement(copy, child.tag).text = child.text
    return bytes(etree.tostring(copy))


def _form_of(decl: ElementDecl | None, validator: XsdValidator, name: str) -> _Form | None:
    if decl is None or decl.abstract or (decl.substitutes is not _no_substitutes and decl.substitutes()):
        return None
    if validator.patterns is not None and validator.patterns.applies_to(name):
        return None
    type_gen = decl.type
    if type_gen.abstract or type_gen.simple is not None or type_gen.array is not None or type_gen.mixed:
        return None
    if any(attribute.required for attribute in type_gen.attributes):
        return None
    items: list[tuple[list[ElementParticle], bool]] = []
    if type_gen.content is not None and not _flatten(type_gen.content, items):
        return None
    namespace, _, local = name[1:].partition("}")
    if not _NAME.fullmatch(local) or not namespace or not namespace.isascii() or any(c in namespace for c in '"<&'):
        return None
    leaves: list[tuple[str, Check]] = []  # per alternative of every item, in order: its regex groups' order
    children: list[tuple[list[tuple[str, bool]], bool]] = []  # per item: (local name, qualified) per one, optional
    for alternatives, optional in items:
        spelled_ones: list[tuple[str, bool]] = []
        for particle in alternatives:
            child = particle.decl
            if (
                child.abstract
                or child.fixed is not None
                or (child.substitutes is not _no_substitutes and child.substitutes())
            ):
                return None
            child_type = child.type
            if not child_type.leaf or child_type.simple is None:
                return None
            check = _exact_check(child_type.simple)
            if check is None:
                return None
            child_namespace, _, child_local = (
                child.tag[1:].partition("}") if child.tag.startswith("{") else ("", "", child.tag)
            )
            if child_namespace not in ("", namespace) or not _NAME.fullmatch(child_local):
                return None
            spelled_ones.append((child_local, bool(child_namespace)))
            leaves.append((child_local, check))
        children.append((spelled_ones, optional))
    if len(leaves) > _MAX_LEAVES or len({local for local, _ in leaves}) != len(leaves):
        return None
    ns = re.escape(namespace.encode())
    name_bytes = re.escape(local.encode())

    def spelled(prefix: bytes | None) -> bytes:
        declared = rb"[ \t\r\n]+xmlns" + (rb":(?P=q)" if prefix else b"") + rb"=\"" + ns + rb"\"" + _SPACE + rb">"
        opening = (rb"<(?P<q>" + _NCNAME + rb"):" if prefix else b"<") + name_bytes + declared
        parts = [opening]
        for spelled_ones, optional in children:
            ones = []
            for child_local, qualified in spelled_ones:
                tag = (rb"(?P=q):" if prefix and qualified else b"") + re.escape(child_local.encode())
                ones.append(rb"<" + tag + rb">" + _VALUE + rb"</" + tag + rb">")
            part = _SPACE + rb"(?:" + b"|".join(ones) + rb")"
            parts.append(rb"(?:" + part + rb")?" if optional else part)
        parts.append(_SPACE + rb"</" + (rb"(?P=q):" if prefix else b"") + name_bytes + _SPACE + rb">")
        return b"".join(parts)

    unqualified = any(not qualified for spelled_ones, _ in children for _, qualified in spelled_ones)
    unprefixed = None if unqualified else re.compile(spelled(None))
    return _Form(unprefixed, re.compile(spelled(b"q")), leaves)


def _flatten(node: Node, out: list[tuple[list[ElementParticle], bool]]) -> bool:
    """``node``'s items in order (the element particles that may stand there, and whether none may), when it is a
    1..1 sequence (not xs:all; nested 1..1 sequences too) of 0..1 or 1..1 element particles and 0..1 or 1..1
    choices between 1..1 element particles; False for anything else."""
    if isinstance(node, SequenceNode) and node.min_occurs == 1 == node.max_occurs and not node.all_group:
        return all(_flatten(part, out) for part in node.parts)
    if isinstance(node, ElementParticle) and node.max_occurs == 1 and node.min_occurs in (0, 1):
        out.append(([node], node.min_occurs == 0))
        return True
    if isinstance(node, ChoiceNode) and node.max_occurs == 1 and node.min_occurs in (0, 1) and node.branches:
        branches = [branch for branch in node.branches if isinstance(branch, ElementParticle)]
        if len(branches) != len(node.branches) or any(b.min_occurs != 1 or b.max_occurs != 1 for b in branches):
            return False
        out.append((branches, node.min_occurs == 0))
        return True
    return False


def _exact_check(simple: SimpleType) -> Check | None:
    """libxml2's verdict on a value of ``simple`` as a function, when it can be given exactly (an ``xs:string``
    derivation with enumerations, exact patterns, lengths, whiteSpace preserve), for the ASCII values a form reads."""
    if {field.name for field in fields(Facets)} != _KNOWN_FACETS:
        return None  # a facet this does not know of
    if simple.builtin != "string" or simple.members or simple.item is not None or simple.whitespace() != "preserve":
        return None
    steps = []
    for step in simple.steps:
        if any(getattr(step, facet) is not None for facet in _VALUE_FACETS) or step.whitespace not in (
            None,
            "preserve",
        ):
            return None
        if any(not pattern.exact or pattern.compiled is None for pattern in step.patterns):
            return None
        listed = frozenset(step.enumeration) if step.enumeration is not None else None
        steps.append((listed, tuple(step.patterns), step.length, step.min_length, step.max_length))

    def check(value: str, raw: bytes) -> bool | None:
        size = len(value)
        for listed, patterns, length, shortest, longest in steps:
            if listed is not None and value not in listed:
                return False
            if (length is not None and size != length) or (shortest is not None and size < shortest):
                return False
            if longest is not None and size > longest:
                return False
            if patterns:
                verdicts = [pattern.matches_utf8(raw) for pattern in patterns]
                if True not in verdicts:
                    return None if None in verdicts else False
        return True

    return check
