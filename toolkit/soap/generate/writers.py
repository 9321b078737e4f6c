"""Per-type generated code for the text writer: a complex type's content written by one Python function.

``Node.write`` walks the compiled nodes generically: per leaf element, a particle's frame, the declaration's
``write_one`` frame, and a dozen checks whose answers depend only on the schema (is it a leaf, optional,
in a substitution group, its prefixed name, its plan's key). Here a type's content, for one owner (the local
name of the element it is written into, which a leaf's plan is keyed by), becomes straight-line code with
those answers decided once: a leaf of a sequence is written inline, in the same order, with the same rng
draws and the same size accounting as ``ElementParticle.write`` then ``ElementDecl.write_one`` make, so the
bytes are the same (``tests/soap/test_soap_compiled_writers.py`` compares them with the generic walk on every
corpus element).

What the generated code does not handle it hands to the generic ``write`` of that node, unchanged: choices,
wildcards, repeated particles, substitution groups, abstract declarations, leaves whose type is not resolved
yet, and whole calls in the cases the generic walk treats specially (a minimal draw, the depth limits, a
Coherence collecting its children's text, a ``max_occurs`` limit under 1).

Every schema-derived value (tags, names, plans, types) reaches the code as a constant bound in its namespace,
never as source text: a contract cannot inject code. Bounds: one function per (type, owner), at most
``MAX_OWNERS`` owners per type (then the generic walk), and at most ``MAX_INLINED`` particles per function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from toolkit.soap.generate.xmltext import escape_text

if TYPE_CHECKING:
    from toolkit.soap.generate.nodes import Draw, Node, Texts

__all__ = ["MAX_INLINED", "MAX_OWNERS", "ContentWriter", "content_writer"]

MAX_OWNERS = 32  # owners per type given a function of their own (a type used under more names: the rest generic)
MAX_INLINED = 256  # particles written inline per function (a larger sequence: its function is not made)
_MAX_NESTING = 16  # nested sequence groups inlined (deeper: the generic walk)

ContentWriter = Callable[["Draw", list[str], str, int, "Texts | None"], None]


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
        """The name the code uses for ``value`` (the same object: the same name)."""
        name = self.ids.get(id(value))
        if name is None:
            name = self.ids[id(value)] = f"C{len(self.constants)}"
            self.constants[name] = value
        return name

    def line(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)


def content_writer(content: Node, owner: str, draw: Draw) -> ContentWriter:
    """A function doing what ``content.write(draw, out, owner, depth, texts)`` does, for the owner ``owner``;
    ``content.write`` itself when there is nothing to gain. ``draw``: the draw asking, for the prefixed names
    (a type belongs to one generator, whose prefixes are fixed)."""
    from toolkit.soap.generate.nodes import ElementParticle, SequenceNode

    if not isinstance(content, ElementParticle | SequenceNode):
        return content.write
    source = _Source()
    generic = source.constant(content.write)
    source.line(0, "def write(draw, out, parent, depth, texts):")
    # the cases the generic walk treats specially, whole: a minimal draw, a required leaf at the hard depth
    # limit (an error, or nil), a Coherence collecting text pieces, an occurrence limit a single leaf exceeds
    source.line(1, "if texts is not None or draw.minimal or depth >= draw.hard_limit or draw.max_occurs < 1:")
    source.line(2, f"return {generic}(draw, out, parent, depth, texts)")
    source.line(1, "rng = draw.rng")
    source.line(1, "overrides = draw.overrides")
    source.line(1, "deep = depth >= draw.depth_limit")
    try:
        _node(source, content, owner, draw, 1, 0)
    except _TooLargeError:
        return content.write
    if source.inlined == 0:
        return content.write
    namespace: dict[str, Any] = {"escape_text": escape_text, **source.constants}
    exec(compile("\n".join(source.lines) + "\n", f"<ctk soap writer for <{owner}>>", "exec"), namespace)  # noqa: S102
    written: ContentWriter = namespace["write"]
    return written


def _node(source: _Source, node: Node, owner: str, draw: Draw, indent: int, nesting: int) -> None:
    from toolkit.soap.generate.nodes import ElementParticle, SequenceNode

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
    source.line(indent, f"{source.constant(node.write)}(draw, out, parent, depth, None)")


def _inlinable(particle: Any) -> bool:
    """A particle written once or not at all, of a declaration that is itself (no substitution group, not
    abstract), with its type already resolved (resolving it here could fail where the generic walk, which
    might never write it, would not)."""
    from toolkit.soap.generate.nodes import _no_substitutes

    decl = particle.decl
    once = particle._optional or particle.min_occurs == 1 == particle.max_occurs
    return once and decl.substitutes is _no_substitutes and not decl.abstract and decl._type is not None


def _particle(source: _Source, particle: Any, owner: str, draw: Draw, indent: int) -> None:
    """``ElementParticle.write`` for an inlinable particle: present or not, then its element."""
    if particle._optional:
        # (``draw.minimal`` is handled before: the whole call goes to the generic walk)
        source.line(indent, "if not deep and draw.size <= draw.half_bytes:")
        indent += 1
        if particle._present < 1.0:
            source.line(indent, f"if rng.random() < {source.constant(particle._present)}:")
            indent += 1
    decl = particle.decl
    type_gen = decl.type
    if not type_gen.leaf:
        source.line(indent, f"{source.constant(decl.write_one)}(draw, out, parent, depth, None)")
        return
    _leaf(source, decl, owner, draw, indent)


def _leaf(source: _Source, decl: Any, owner: str, draw: Draw, indent: int) -> None:
    """``ElementDecl.write_one``'s leaf branch (depth under the hard limit, no Coherence: checked on entry)."""
    simple = decl.type.simple
    name = decl._name if decl._name is not None else decl._qualified(draw)
    local = decl._local
    s, loc = source.constant(simple), source.constant(local)
    line = source.line
    line(indent, f"draw.size += {source.constant(decl._bytes)}")
    line(indent, "if draw.size > draw.max_bytes:")
    line(indent + 1, f"draw.too_large({source.constant(decl.tag)})")
    if decl.fixed is not None:
        line(indent, f"value = {source.constant(decl.fixed)}")
        line(indent, f"{source.constant(_vet())}({s}, value, {loc})")
    else:
        line(indent, f"value = overrides.get({loc}) if overrides else None")
        line(indent, f"if value is None or not {s}.accepts(value):")
        line(indent + 1, f"plans = {s}._plans")
        line(indent + 1, f"plan = plans.get({source.constant((local, owner))}) if plans is not None else None")
        line(indent + 1, "if plan is not None:")  # what ``Draw.value`` does with a plan, without its frame
        line(indent + 2, "value = plan(rng)")
        line(indent + 2, f"if {s}._patterned and {s}.has_patterns():")
        line(indent + 3, f"{source.constant(_vet())}({s}, value, {loc})")
        line(indent + 2, "draw.size += len(value)")
        line(indent + 2, "if draw.size > draw.max_bytes:")
        line(indent + 3, f"draw.too_large({loc})")
        line(indent + 1, "else:")
        line(indent + 2, f"value = draw.value({s}, {loc}, {source.constant(owner)})")
    line(indent, f"out.append({source.constant(f'<{name}>')} + escape_text(value) + {source.constant(f'</{name}>')})")


def _vet() -> Callable[..., None]:
    from toolkit.soap.generate.nodes import vet

    return vet
