"""Per-type generated code for the text writer: a complex type's element written by one Python function.

``TypeGen.write_generic`` and the nodes under it walk the compiled schema generically: per leaf element, a
particle's frame, the declaration's ``write_one`` frame, and a dozen checks whose answers depend only on the
schema (is it a leaf, optional, in a substitution group, its prefixed name, its plan's key). Here a complex type,
for one element name (the owner its leaves' plans are keyed by), becomes straight-line code with those answers
decided once: its attributes, then the particles of its sequence inline, in the same order, with the same rng
draws, size accounting and checks as ``AttributeGen.write``, ``ElementParticle.write`` and
``ElementDecl.write_one`` make, so the bytes are the same (``tests/soap/test_soap_compiled_writers.py`` compares
them with the generic walk on every corpus element, with echoes and under tight limits). A child of a complex
type is written through its own type's ``write``, which finds that type's generated writer in turn.

What the generated code does not handle it hands to the generic ``write`` of that node, unchanged: choices,
wildcards, repeated particles, substitution groups, abstract declarations and types, leaves whose type is not
resolved yet; and whole types in the cases the generic walk treats specially (a minimal draw, the hard depth
limit, a ``max_occurs`` limit under 1: on entry; mixed content, a Coherence between the children: never made).

Every schema-derived value (tags, names, plans, types, fixed values) reaches the code as a constant bound in
its namespace, never as source text: a contract cannot inject code. Bounds: one function per (type, element
name), at most ``MAX_OWNERS`` names per type (the others: the generic walk), at most ``MAX_INLINED`` particles
per function (more: none made).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from toolkit.soap.generate.nodes import (
    CLOSED,
    AttributeGen,
    Draw,
    ElementDecl,
    ElementParticle,
    Node,
    SequenceNode,
    TypeGen,
    TypeWriter,
    _no_substitutes,
    vet,
)
from toolkit.soap.generate.plans import Pick, Template
from toolkit.soap.generate.simple_types import SimpleType
from toolkit.soap.generate.xmltext import escape_attribute, escape_text

__all__ = ["MAX_INLINED", "MAX_OWNERS", "type_writer", "writer_for"]

MAX_OWNERS = 32  # owners per type given a function of their own (a type used under more names: the rest generic)
MAX_INLINED = 256  # particles written inline per function (a larger sequence: its function is not made)
_MAX_NESTING = 16  # nested sequence groups inlined (deeper: the generic walk)
_INLINE_PICKS = 4  # a template of more picks is called, not written inline


class _TooLargeError(Exception):
    """The content has more particles than ``MAX_INLINED``: no function is made for it."""


class _Source:
    """The generated function's lines and the constants they name (``C0``, ``C1``...)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {}
        self.ids: dict[int, str] = {}
        self.inlined = 0

    def constant(self, value: Any) -> str:
        """The name the code uses for ``value`` (the same object: the same name; every one is kept alive here, so
        an id is never reused for another)."""
        name = self.ids.get(id(value))
        if name is None:
            name = self.ids[id(value)] = f"C{len(self.constants)}"
            self.constants[name] = value
        return name

    def line(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)


def writer_for(type_gen: TypeGen, local: str, draw: Draw) -> TypeWriter:
    """The writer of ``type_gen`` for elements called ``local`` (``Draw.writers``): generated on its second sighting
    (the first, by the generic walk, resolves the types it writes and finds the type's Coherence), for at most
    ``MAX_OWNERS`` names per type; else ``write_generic``."""
    writers = type_gen._writers
    if writers is None:
        writers = type_gen._writers = {}
    if local not in writers:
        if len(writers) < MAX_OWNERS:
            writers[local] = None
        return type_gen.write_generic
    writer = writers[local] = type_writer(type_gen, local, draw) or type_gen.write_generic
    return writer


def type_writer(type_gen: TypeGen, local: str, draw: Draw) -> TypeWriter | None:
    """A function doing what ``type_gen.write_generic(draw, out, depth, local, owner, fixed)`` does for an element
    called ``local``; None when there is nothing to gain (simple content, an encoded array, mixed content, a
    Coherence between the children: the generic ``write_generic``). ``draw``: the draw asking, for the prefixed
    names (a type belongs to one generator, whose prefixes are fixed)."""
    content = type_gen.content
    cohere = type_gen._cohere
    if content is None or type_gen.simple is not None or type_gen.array is not None or type_gen.mixed:
        return None
    if cohere is None or cohere.active:  # (found by the generic write of the first sighting)
        return None
    source = _Source()
    line = source.line
    line(0, "def write(draw, out, depth, local, owner, fixed):")
    # the cases the generic walk treats specially, whole: a minimal draw, a required leaf at the hard depth limit
    # (an error, or nil), an occurrence limit a single element exceeds
    line(1, "if draw.minimal or depth >= draw.hard_limit or draw.max_occurs < 1:")
    line(2, f"return {source.constant(type_gen.write_generic)}(draw, out, depth, local, owner, fixed)")
    line(1, "rng = draw.rng")
    line(1, "overrides = draw.overrides")
    # picks drawn inline with ``random.Random.choice``'s algorithm (``plans.Pick``) when the rng is one
    line(1, f"bits = rng.getrandbits if type(rng) is {source.constant(random.Random)} else None")
    # the instance's size kept in a local, stored back around each call that counts or reads it (``_call``)
    line(1, "size = draw.size")
    line(1, "max_bytes = draw.max_bytes")
    line(1, "half_bytes = draw.half_bytes")
    try:
        for attribute in type_gen.attributes:
            _attribute(source, attribute, local, draw)
        line(1, "start = len(out)")
        line(1, "out.append('>')")
        line(1, "deep = depth >= draw.depth_limit")
        _node(source, content, local, draw, 1, 0)
    except (_TooLargeError, KeyError):  # KeyError: a name without a prefix on the root (``text`` writes none)
        return None
    line(1, "draw.size = size")
    line(1, "if len(out) == start + 1:")  # no content: lxml writes the element as <name/>
    line(2, "out[start] = '/>'")
    line(2, f"return {source.constant(CLOSED)}")
    line(1, "return -1")
    namespace: dict[str, Any] = {"escape_text": escape_text, "escape_attribute": escape_attribute, **source.constants}
    exec(compile("\n".join(source.lines) + "\n", f"<ctk soap writer for <{local}>>", "exec"), namespace)  # noqa: S102
    written: TypeWriter = namespace["write"]
    return written


def _attribute(source: _Source, attribute: AttributeGen, owner: str, draw: Draw) -> None:
    """``AttributeGen.write`` (a draw that is not minimal: checked on entry)."""
    if attribute.prohibited:
        return
    line = source.line
    indent = 1
    if not attribute.required:
        line(indent, "if rng.random() < 0.5:")
        indent += 1
    local = attribute.tag.rpartition("}")[2]
    simple, name = source.constant(attribute.simple), source.constant(local)
    if attribute.fixed is not None:
        line(indent, f"value = {source.constant(attribute.fixed)}")
        line(indent, f"{source.constant(vet)}({simple}, value, {name})")
    else:
        line(indent, f"value = overrides.get({name}) if overrides else None")
        line(indent, f"if value is None or not {simple}.accepts(value):")
        plans = attribute.simple._plans
        plan = plans.get((local, owner)) if plans is not None else None
        if plan is None:
            _call(source, indent + 1, f"value = draw.value({simple}, {name}, {source.constant(owner)})")
        else:  # ``Draw.value`` with its plan bound (a plan is kept as made)
            _planned(source, attribute.simple, plan, name, indent + 1)
            line(indent + 1, "if size > max_bytes:")
            line(indent + 2, f"draw.too_large({name})")
    written = source.constant(f' {draw.qualified(attribute.tag)}="')
    line(indent, f"out.append({written} + escape_attribute(value) + '\"')")


def _node(source: _Source, node: Node, owner: str, draw: Draw, indent: int, nesting: int) -> None:
    if isinstance(node, SequenceNode) and node.min_occurs == 1 == node.max_occurs and nesting < _MAX_NESTING:
        for part in node.parts:  # once, drawing nothing (what ``SequenceNode.write`` does for 1..1)
            _node(source, part, owner, draw, indent, nesting + 1)
        if not node.parts:
            source.line(indent, "pass")
        return
    if isinstance(node, ElementParticle) and _inlinable(node):
        source.inlined += 1
        if source.inlined > MAX_INLINED:
            raise _TooLargeError
        _particle(source, node, owner, draw, indent)
        return
    _call(source, indent, f"{source.constant(node.write)}(draw, out, local, depth, None)")


def _call(source: _Source, indent: int, call: str) -> None:
    """``call``, which counts in or reads ``draw.size``, with the local ``size`` stored before and read after."""
    source.line(indent, "draw.size = size")
    source.line(indent, call)
    source.line(indent, "size = draw.size")


def _inlinable(particle: ElementParticle) -> bool:
    """A particle written once or not at all, of a declaration that is itself (no substitution group, not
    abstract), with its type already resolved (resolving it here could fail where the generic walk, which
    might never write it, would not)."""
    decl = particle.decl
    once = particle._optional or particle.min_occurs == 1 == particle.max_occurs
    return once and decl.substitutes is _no_substitutes and not decl.abstract and decl._type is not None


def _particle(source: _Source, particle: ElementParticle, owner: str, draw: Draw, indent: int) -> None:
    """``ElementParticle.write`` for an inlinable particle: present or not, then its element."""
    if particle._optional:
        # (``draw.minimal`` is handled before: the whole call goes to the generic walk)
        source.line(indent, "if not deep and size <= half_bytes:")
        indent += 1
        if particle._present < 1.0:
            source.line(indent, f"if rng.random() < {source.constant(particle._present)}:")
            indent += 1
    decl = particle.decl
    type_gen = decl.type
    if type_gen.leaf:
        _leaf(source, decl, owner, draw, indent)
    elif type_gen.abstract:  # written with an xsi:type: the generic way
        _call(source, indent, f"{source.constant(decl.write_one)}(draw, out, local, depth, None)")
    else:
        _element(source, decl, draw, indent)


def _element(source: _Source, decl: ElementDecl, draw: Draw, indent: int) -> None:
    """``ElementDecl.write_one`` for an element of a complex type that is not abstract (depth under the hard limit,
    no Coherence: checked on entry): its tags around what its type's ``write`` writes."""
    name = decl._name if decl._name is not None else decl._qualified(draw)
    line = source.line
    line(indent, f"size += {source.constant(decl._bytes)}")
    line(indent, "if size > max_bytes:")
    line(indent + 1, f"draw.too_large({source.constant(decl.tag)})")
    line(indent, f"out.append({source.constant(f'<{name}')})")
    written = f"{source.constant(decl.type.write)}(draw, out, depth + 1, {source.constant(decl._local)}, local, "
    _call(source, indent, f"closed = {written}{source.constant(decl.fixed)})")
    line(indent, f"if closed != {source.constant(CLOSED)}:")
    line(indent + 1, f"out.append({source.constant(f'</{name}>')})")


def _leaf(source: _Source, decl: ElementDecl, owner: str, draw: Draw, indent: int) -> None:
    """``ElementDecl.write_one``'s leaf branch (depth under the hard limit, no Coherence: checked on entry). The
    element's bytes and a drawn value's are counted at once, after the value: a draw the count ends raises the same
    error (``_too_large``)."""
    simple = decl.type.simple
    assert simple is not None  # a leaf's
    name = decl._name if decl._name is not None else decl._qualified(draw)
    local = decl._local
    s, loc = source.constant(simple), source.constant(local)
    opening, closing = source.constant(f"<{name}>"), source.constant(f"</{name}>")
    element_bytes, tag = source.constant(decl._bytes), source.constant(decl.tag)
    line = source.line
    if decl.fixed is not None:
        line(indent, f"value = {source.constant(decl.fixed)}")
        line(indent, f"{source.constant(vet)}({s}, value, {loc})")
        _count(source, indent, element_bytes, tag)
        line(indent, f"out.append({opening} + escape_text(value) + {closing})")
        return
    line(indent, f"value = overrides.get({loc}) if overrides else None")
    line(indent, f"if value is None or not {s}.accepts(value):")
    plan = simple._plans.get((local, owner)) if simple._plans is not None else None
    if plan is not None:  # a plan, once made, is kept as it is (``SimpleType.plan``): bound here
        _planned(source, simple, plan, loc, indent + 1, element_bytes)
        _too_large(source, indent + 1, tag, loc)
        # a plan whose every value needs no escaping is written as it is; an echoed value is escaped
        drawn = "value" if _escape_free(plan) else "escape_text(value)"
        line(indent + 1, f"out.append({opening} + {drawn} + {closing})")
        line(indent, "else:")
        _count(source, indent + 1, element_bytes, tag)
        line(indent + 1, f"out.append({opening} + escape_text(value) + {closing})")
        return
    line(indent + 1, f"plans = {s}._plans")  # none yet: asked on each draw, as ``write_one`` does
    line(indent + 1, f"plan = plans.get({source.constant((local, owner))}) if plans is not None else None")
    line(indent + 1, "if plan is not None:")  # what ``Draw.value`` does with a plan, without its frame
    line(indent + 2, "value = plan(rng)")
    line(indent + 2, f"if {s}._patterned and {s}.has_patterns():")
    line(indent + 3, f"{source.constant(vet)}({s}, value, {loc})")
    line(indent + 2, f"size += {element_bytes} + len(value)")
    _too_large(source, indent + 2, tag, loc)
    line(indent + 1, "else:")  # ``Draw.value`` counts the value in the size itself
    _count(source, indent + 2, element_bytes, tag)
    _call(source, indent + 2, f"value = draw.value({s}, {loc}, {source.constant(owner)})")
    line(indent, "else:")
    _count(source, indent + 1, element_bytes, tag)
    line(indent, f"out.append({opening} + escape_text(value) + {closing})")


def _too_large(source: _Source, indent: int, tag: str, local: str) -> None:
    """The check after an element's bytes and its value's were counted at once: the error the two checks one after
    the other would raise (the element's own bytes first, naming its tag; then the value's, naming the leaf)."""
    source.line(indent, "if size > max_bytes:")
    source.line(indent + 1, f"draw.too_large({tag} if size - len(value) > max_bytes else {local})")


def _count(source: _Source, indent: int, counted: str, where: str) -> None:
    """``Draw.grow``: ``counted`` more characters in the instance, an error past ``max_generated_bytes``."""
    source.line(indent, f"size += {counted}")
    source.line(indent, "if size > max_bytes:")
    source.line(indent + 1, f"draw.too_large({where})")


def _planned(source: _Source, simple: SimpleType, plan: object, local: str, indent: int, more: str = "") -> None:
    """What ``Draw.value`` does with the plan of a leaf or an attribute (``local``: its name's constant), but the
    check of the size (the caller's); ``more``: a constant's name, characters counted with the value's."""
    line = source.line
    _draw(source, plan, indent)
    if simple.has_patterns():  # (the type's facets never change)
        line(indent, f"{source.constant(vet)}({source.constant(simple)}, value, {local})")
    line(indent, f"size += {more} + len(value)" if more else "size += len(value)")


def _draw(source: _Source, plan: object, indent: int) -> None:
    """``value = plan(rng)``; a pick or a template of at most ``_INLINE_PICKS`` picks drawn inline (the same
    ``getrandbits`` calls as ``Pick``/``Template``, so the same value and rng state) when the rng is a
    ``random.Random`` (``bits``)."""
    line = source.line
    if isinstance(plan, Pick) and plan.size:
        picks: list[tuple[Sequence[str], int, int]] = [(plan.values, plan.size, plan.bits)]
        texts = ["", ""]
    elif isinstance(plan, Template) and len(plan.picks) <= _INLINE_PICKS:
        picks = [(pool, size, bits) for pool, size, bits, _ in plan.picks]
        texts = list(plan.texts)
    else:
        line(indent, f"value = {source.constant(plan)}(rng)")
        return
    line(indent, "if bits is not None:")
    parts = [source.constant(texts[0])] if texts[0] else []
    for number, (pool, size, bits) in enumerate(picks):
        line(indent + 1, f"r{number} = bits({bits})")
        line(indent + 1, f"while r{number} >= {size}:")
        line(indent + 2, f"r{number} = bits({bits})")
        parts.append(f"{source.constant(pool)}[r{number}]")
        if texts[number + 1]:
            parts.append(source.constant(texts[number + 1]))
    line(indent + 1, f"value = {' + '.join(parts) or repr('')}")
    line(indent, "else:")
    line(indent + 1, f"value = {source.constant(plan)}(rng)")


def _escape_free(plan: object) -> bool:
    """Whether every value ``plan`` draws is written as it is (``escape_text`` would change none): a pick among
    such values, or a template of such texts and picks."""
    if isinstance(plan, Pick):
        return all(escape_text(value) == value for value in plan.values)
    if isinstance(plan, Template):
        return all(escape_text(text) == text for text in plan.texts) and all(
            escape_text(value) == value for pool in plan.pools for value in pool
        )
    return False
