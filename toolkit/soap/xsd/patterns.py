"""Contract patterns libxml2 would match by backtracking: moved out of its schema, checked with RE2.

libxml2 matches an ``xs:pattern`` with its own automaton (``xmlRegexpExec``), which backtracks when
the automaton is not deterministic: ``(a|aa)*c`` cost 120 ms per 31-character value (up to ~0.6 s,
where libxml2's step cap ends it with an "internal error"), so a request with 1000 such values held
the event loop for two minutes. Its determinism check ignores counters, so ``(a{1,50}){1,50}b``,
"deterministic", took 195 ms too.

So, once per WSDL, every ``xs:restriction``'s patterns are classified (``plan``): a step stays with
libxml2 when libxml2 compiles each of its patterns to a deterministic automaton with no counted range
(``{n,m}``, ``{n,}``; a fixed ``{n}`` is fine) — the vast majority, e.g. ``[A-Za-z0-9]{18}``.
Otherwise the step's patterns (one step's patterns are alternatives, so all of them go together) are
removed from the schema libxml2 compiles and ``PatternChecker`` matches them with RE2 (linear in the
value) on the elements and attributes whose type carries them, found with the generator's compiled
model of the same schemas. A step RE2 cannot say exactly (a Unicode block ctk does not know, class
subtraction, a repetition over 1000) or that is a union member's (which member libxml2 chose is
not known, so neither is whether the moved pattern applied) stays with libxml2, and a request may
carry at most ``Limits.max_slow_pattern_values`` values under such patterns: more is refused before libxml2 runs.

Values under a wildcard (``xs:any``) are not followed: the wildcard's processContents is not known here.
"""

from __future__ import annotations

import ctypes
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

from toolkit.limits import DEFAULT_LIMITS
from toolkit.soap.generate.compiler import Compiler
from toolkit.soap.generate.components import Index
from toolkit.soap.generate.nodes import (
    XSI,
    AnyNode,
    ChoiceNode,
    ElementDecl,
    ElementParticle,
    Node,
    SequenceNode,
    TypeGen,
)  # fmt: skip
from toolkit.soap.generate.simple_types import SimpleType
from toolkit.soap.xsd.assemble import SchemaDocument
from toolkit.soap.xsd.regex import XsdPattern, translate
from toolkit.soap.xsd.schema_index import is_xsd

__all__ = ["MAX_SLOW_VALUES", "PatternChecker", "PatternPlan", "is_cheap_for_libxml2", "plan"]

# The default of Limits.max_slow_pattern_values (the validator's callers pass the served limits).
MAX_SLOW_VALUES = DEFAULT_LIMITS.max_slow_pattern_values
_RANGE_COUNTER = re.compile(r"(?<!\\)\{\s*\d+\s*,\s*\d*\s*\}")
_FIXED_COUNTER = re.compile(r"(?<!\\)\{\s*\d+\s*\}")
_XML_SPACE = re.compile(r"[ \t\n\r]+")  # XML's whitespace; str.split() would split at U+00A0 too
StepKey = frozenset[str]  # the patterns of one restriction step, as written


def _libxml2() -> ctypes.CDLL | None:
    """libxml2's regexp API from lxml's own module (the very libxml2 that validates), if exported."""
    try:
        lib = ctypes.CDLL(etree.__file__)
        compile_ = lib.xmlRegexpCompile
        determinist = lib.xmlRegexpIsDeterminist
        free = lib.xmlRegFreeRegexp
    except (OSError, AttributeError, TypeError):
        return None
    compile_.restype, compile_.argtypes = ctypes.c_void_p, [ctypes.c_char_p]
    determinist.restype, determinist.argtypes = ctypes.c_int, [ctypes.c_void_p]
    free.restype, free.argtypes = None, [ctypes.c_void_p]
    return lib


_LIB = _libxml2()
_CHEAP: dict[str, bool] = {}


def is_cheap_for_libxml2(pattern: str) -> bool:
    """Whether libxml2 matches ``pattern`` without backtracking: deterministic, and no counted range.
    Without libxml2's API (not exported), only patterns with no alternation or repetition but fixed
    counts are called cheap. A pattern libxml2 cannot compile is cheap: libxml2 refuses the schema."""
    found = _CHEAP.get(pattern)
    if found is not None:
        return found
    if _RANGE_COUNTER.search(pattern):
        cheap = False
    elif _LIB is None:
        cheap = not re.search(r"(?<!\\)[|*+?]", _FIXED_COUNTER.sub("", pattern))
    else:
        compiled = _LIB.xmlRegexpCompile(pattern.encode("utf-8"))
        if not compiled:
            cheap = True
        else:
            cheap = _LIB.xmlRegexpIsDeterminist(compiled) == 1
            _LIB.xmlRegFreeRegexp(compiled)
    if len(_CHEAP) < 10_000:
        _CHEAP[pattern] = cheap
    return cheap


@dataclass(frozen=True, slots=True)
class PatternPlan:
    moved: frozenset[StepKey] = frozenset()  # steps removed from libxml2's schema, matched with RE2
    slow: frozenset[StepKey] = frozenset()  # expensive steps left with libxml2: values counted, capped

    def __bool__(self) -> bool:
        return bool(self.moved or self.slow)


def plan(documents: list[SchemaDocument]) -> PatternPlan:
    """Classify every restriction step's patterns; remove the moved ones from ``documents`` (in place)."""
    pinned = _union_restrictions(documents)
    moved: set[StepKey] = set()
    slow: set[StepKey] = set()
    candidates: list[tuple[StepKey, list[etree._Element]]] = []
    for restriction in _restrictions(documents):
        patterns = [child for child in restriction if is_xsd(child, "pattern") and child.get("value") is not None]
        sources = [child.get("value", "") for child in patterns]
        if not sources or all(is_cheap_for_libxml2(source) for source in sources):
            continue
        key = frozenset(sources)
        if restriction in pinned or not all(_exact(source) for source in sources):
            slow.add(key)
        else:
            moved.add(key)
            candidates.append((key, patterns))
    # the checker knows a step by its text only: a text left with libxml2 anywhere (a union member's)
    # is left with libxml2 everywhere, never matched twice or dropped
    moved -= slow
    for key, patterns in candidates:
        if key in moved:
            for node in patterns:
                parent = node.getparent()
                if parent is not None:
                    parent.remove(node)
    return PatternPlan(frozenset(moved), frozenset(slow))


def _exact(source: str) -> bool:
    pattern = translate(source)
    return pattern.exact and pattern.compiled is not None


def _restrictions(documents: list[SchemaDocument]) -> Iterator[etree._Element]:
    for document in documents:
        if not document.builtin:
            yield from (node for node in document.root.iter() if is_xsd(node, "restriction"))


def _union_restrictions(documents: list[SchemaDocument]) -> set[etree._Element]:
    """The restrictions that define (part of) a union member type, matching named types by local
    name (pinning too many only leaves more with libxml2, under the count)."""
    named: dict[str, list[etree._Element]] = {}
    unions: list[etree._Element] = []
    for document in documents:
        if document.builtin:
            continue
        for node in document.root.iter():
            if is_xsd(node, "simpleType") and node.get("name"):
                named.setdefault(node.get("name", ""), []).append(node)
            elif is_xsd(node, "union"):
                unions.append(node)
    pending: list[etree._Element] = []
    wanted: list[str] = []
    for union in unions:
        wanted += (union.get("memberTypes") or "").split()
        pending += [child for child in union if is_xsd(child, "simpleType")]
    pinned: set[etree._Element] = set()  # the proxies themselves, kept alive: an id() could be reused
    seen_names: set[str] = set()
    while pending or wanted:
        while wanted:
            local = wanted.pop().rpartition(":")[2]
            if local not in seen_names:
                seen_names.add(local)
                pending += named.get(local, [])
        if not pending:
            continue
        for inner in pending.pop().iter():
            if is_xsd(inner, "restriction"):
                if inner in pinned:
                    continue
                pinned.add(inner)
                if inner.get("base"):
                    wanted.append(inner.get("base", ""))
            elif is_xsd(inner, "list") and inner.get("itemType"):
                wanted.append(inner.get("itemType", ""))
            elif is_xsd(inner, "union"):
                wanted += (inner.get("memberTypes") or "").split()
    return pinned


@dataclass(slots=True)
class PatternFinding:
    node: etree._Element  # the element whose value (or attribute's) does not match
    message: str  # in libxml2's words, unclipped


@dataclass(slots=True)
class Scan:
    findings: list[PatternFinding] = field(default_factory=list)  # the first ``listed``
    total: int = 0
    slow_values: int = 0


_NOTHING = Scan()  # read, never written


class PatternChecker:
    """Matches the moved pattern steps on a request element, walking it with the compiled model."""

    def __init__(self, documents: list[SchemaDocument], pattern_plan: PatternPlan) -> None:
        self._compiler = Compiler(Index(documents))  # the documents as written: every pattern in them
        self._plan = pattern_plan
        self._relevant: dict[int, bool] = {}
        self._children: dict[int, tuple[dict[str, ElementDecl], bool]] = {}
        self._simple_cost: dict[int, tuple[bool, bool]] = {}
        self._steps: dict[int, list[tuple[list[XsdPattern], str]]] = {}
        self._relevant_child: dict[int, dict[str, ElementDecl]] = {}
        self._roots: dict[str, bool] = {}  # global element → whether a checked step can be met under it

    def applies_to(self, tag: str) -> bool:
        """Whether a moved pattern step can be met under global element ``tag`` (Clark name): ``scan`` walks it."""
        relevant = self._roots.get(tag)
        if relevant is None:
            root = self._compiler.global_element(tag)
            relevant = root is not None and any(map(self._is_relevant, [root.type, *root.derived()]))
            self._roots[tag] = relevant
        return relevant

    def scan(self, element: etree._Element, listed: int, *, slow_limit: int | None = None) -> Scan:
        """Moved-pattern violations under ``element`` (a global element), the first ``listed`` kept, and
        the values under slow patterns (counting stops past ``slow_limit``)."""
        tag = str(element.tag)
        decl = self._compiler.global_element(tag) if self.applies_to(tag) else None
        if decl is None:
            return _NOTHING  # the fast path: most requests have no such pattern under them
        result = Scan()
        stack: list[tuple[etree._Element, ElementDecl]] = [(element, decl)]
        while stack:
            node, node_decl = stack.pop()
            type_gen = self._type_of(node, node_decl)
            if not self._is_relevant(type_gen):
                continue
            if node.get(f"{{{XSI}}}nil") in ("true", "1"):
                continue
            for attribute in type_gen.attributes:
                value = node.get(attribute.tag)
                if value is not None:
                    self._check(attribute.simple, value, node, f"attribute '{_local(attribute.tag)}': ", result, listed)
            if type_gen.simple is not None and type_gen.content is None:
                value = (node.text or "") if not len(node) else "".join(str(text) for text in node.itertext())
                self._check(type_gen.simple, value, node, "", result, listed)
            children = self._relevant_children(type_gen)
            if children:
                for child in reversed(node):
                    if isinstance(child.tag, str):
                        child_decl = children.get(child.tag)
                        if child_decl is not None:
                            stack.append((child, child_decl))
            if slow_limit is not None and result.slow_values > slow_limit:
                break
        return result

    # -- values ------------------------------------------------------------------------------------
    def _check(
        self, simple: SimpleType, value: str, node: etree._Element, what: str, result: Scan, listed: int
    ) -> None:
        moved, slow = self._costs(simple)
        if slow:
            result.slow_values += 1
        if moved:
            for failed in self._failures(simple, value):
                result.total += 1
                if len(result.findings) < listed:
                    message = f"{what}[facet 'pattern'] The value '{value}' is not accepted by the pattern '{failed}'."
                    result.findings.append(PatternFinding(node, message))

    def _failures(self, simple: SimpleType, value: str) -> Iterator[str]:
        whitespace = simple.whitespace() if simple.builtin != "list" else "collapse"
        normal = _normalize(value, whitespace)
        for patterns, written in self._moved_steps(simple):
            if not any(pattern.matches(normal) for pattern in patterns):
                yield written
                return  # libxml2 reports a value's first failing facet
        if simple.builtin == "list" and simple.item is not None and self._costs(simple.item)[0]:
            for item in _XML_SPACE.split(normal) if normal else ():
                for failed in self._failures(simple.item, item):
                    yield failed
                    return

    def _moved_steps(self, simple: SimpleType) -> list[tuple[list[XsdPattern], str]]:
        """The steps of ``simple`` matched here: their patterns (alternatives) and how libxml2 writes them."""
        found = self._steps.get(id(simple))
        if found is None:
            found = [(step.patterns, "|".join(pattern.source for pattern in step.patterns)) for step in simple.steps
                     if frozenset(pattern.source for pattern in step.patterns) in self._plan.moved]  # fmt: skip
            self._steps[id(simple)] = found
        return found

    def _costs(self, simple: SimpleType, seen: frozenset[int] = frozenset()) -> tuple[bool, bool]:
        """(has moved steps, has slow steps) in ``simple``, its list item and union members."""
        found = self._simple_cost.get(id(simple))
        if found is not None:
            return found
        keys = {frozenset(pattern.source for pattern in step.patterns) for step in simple.steps if step.patterns}
        moved = bool(keys & self._plan.moved)
        slow = bool(keys & self._plan.slow)
        for inner in ([simple.item] if simple.item is not None else []) + simple.members:
            if id(inner) in seen:
                continue
            inner_moved, inner_slow = self._costs(inner, seen | {id(simple)})
            moved, slow = moved or inner_moved, slow or inner_slow
        self._simple_cost[id(simple)] = (moved, slow)
        return moved, slow

    # -- the model ---------------------------------------------------------------------------------
    def _type_of(self, node: etree._Element, decl: ElementDecl) -> TypeGen:
        xsi_type = node.get(f"{{{XSI}}}type")
        if xsi_type:
            prefix, _, local = xsi_type.strip().rpartition(":")
            namespace = node.nsmap.get(prefix or None) or ""
            name = f"{{{namespace}}}{local}" if namespace else local
            if name in self._compiler.index.tables["type"]:
                return self._compiler.type(name)
        return decl.type

    def _child_map(self, type_gen: TypeGen) -> tuple[dict[str, ElementDecl], bool]:
        found = self._children.get(id(type_gen))
        if found is not None:
            return found
        children: dict[str, ElementDecl] = {}
        wildcard = False
        pending: list[Node] = [type_gen.content] if type_gen.content is not None else []
        while pending:
            part = pending.pop()
            if isinstance(part, ElementParticle):
                for decl in [part.decl, *part.decl.substitutes()]:
                    children.setdefault(decl.tag, decl)
            elif isinstance(part, SequenceNode):
                pending += reversed(part.parts)
            elif isinstance(part, ChoiceNode):
                pending += reversed(part.branches)
            elif isinstance(part, AnyNode):
                wildcard = True
        self._children[id(type_gen)] = (children, wildcard)
        return children, wildcard

    def _relevant_children(self, type_gen: TypeGen) -> dict[str, ElementDecl]:
        """The child declarations under which a checked step can be met (with xsi:type, a derived type's)."""
        found = self._relevant_child.get(id(type_gen))
        if found is None:
            children, _ = self._child_map(type_gen)
            found = {tag: decl for tag, decl in children.items()
                     if any(map(self._is_relevant, [decl.type, *decl.derived()]))}  # fmt: skip
            self._relevant_child[id(type_gen)] = found
        return found

    def _is_relevant(self, type_gen: TypeGen) -> bool:
        """Whether any moved or slow step can be met at or under an element of this type."""
        found = self._relevant.get(id(type_gen))
        if found is not None:
            return found
        seen: set[int] = set()
        pending = [type_gen]
        relevant = False
        while pending and not relevant:
            current = pending.pop()
            if id(current) in seen:
                continue
            seen.add(id(current))
            simples = [attribute.simple for attribute in current.attributes]
            simples += [current.simple] if current.simple is not None else []
            if any(any(self._costs(simple)) for simple in simples):
                relevant = True
                break
            children, _ = self._child_map(current)
            for decl in children.values():
                pending.append(decl.type)
                pending += decl.derived()
        self._relevant[id(type_gen)] = relevant
        return relevant


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _normalize(value: str, whitespace: str) -> str:
    if whitespace == "preserve":
        return value
    if whitespace == "collapse":
        return " ".join(_XML_SPACE.split(value.strip(" \t\n\r")))
    return value.replace("\t", " ").replace("\n", " ").replace("\r", " ")
