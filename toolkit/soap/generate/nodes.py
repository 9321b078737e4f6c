"""The compiled form of XML Schema components: small objects that emit XML with an rng.

``compiler`` builds these once per component (types on first use, so recursive types
cost nothing up front); drawing an instance only walks them. Depth is handled here: past
``Draw.depth_limit`` optional particles are left out and choices take their cheapest branch, so
recursive schemas terminate; a required cycle that never ends is reported, not looped on.

What a schema demands is bounded by the mock's ``Limits``, since a contract is input too:
``minOccurs="5000000"`` (``max_occurs``), ``minLength="2000000000"`` (``max_string_length``), required
elements nested past ``max_generation_depth``, and the instance's size (``max_generated_bytes``: past
half of it, optional parts are left out). A demand over a limit raises ``XsdGenerationLimitError``
naming the element and the limit before any of the work is done: no valid answer fits, so the mock
says so in a Server fault instead of hanging or sending an invalid one.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from lxml import etree

from toolkit.fake import MONEY_TAILS, NULL_SHARE, Fake, filled_kind, snake
from toolkit.limits import DEFAULT_LIMITS, Limits
from toolkit.mock.problem import clip
from toolkit.soap.generate.errors import XsdGenerationError, XsdGenerationLimitError
from toolkit.soap.generate.plans import value_plan
from toolkit.soap.generate.simple_types import SimpleType
from toolkit.soap.generate.xmltext import escape_attribute, escape_text, unescape
from toolkit.soap.wsdl import local_name, split_clark

__all__ = ["XSI", "Draw", "ElementDecl", "XsdGenerationError", "XsdGenerationLimitError"]

XSI = "http://www.w3.org/2001/XMLSchema-instance"
UNBOUNDED = -1
_UNPLANNED = object()  # a leaf whose plan is not worked out yet (None: it has none)
CLOSED = -2  # TypeGen.write: the element ended with "/>" (no content, no end tag)
Texts = dict[str, int]  # a Coherence's children: tag -> where the first one's text is in the output (-1: none)
# ``TypeGen.write``'s signature: (draw, out, depth, local, owner, fixed) -> where the element's text is, or CLOSED
TypeWriter = Callable[["Draw", list[str], int, str, "str | None", "str | None"], int]
_EXPENSIVE = 10_000  # the cost of a particle whose minimum size is unknown because it recurses
_COST_DEPTH = 64  # cost() looks this deep, then calls the rest expensive (a chain of 10 000 named types)
_ELEMENT_BYTES = 16  # what an element adds to an instance's size besides its name and text (tags, a prefix)


@dataclass(slots=True)
class Draw:
    """One generation: the rng, the realistic-value source, overrides, and how far to go."""

    rng: random.Random
    fake: Fake
    overrides: Mapping[str, str]
    depth_limit: int
    minimal: bool = False
    prefixes: dict[str, str] = field(default_factory=dict)  # namespace → prefix declared on the root
    arrays: list[etree._Element] = field(default_factory=list)  # encoded arrays written (checked leniently)
    limits: Limits = DEFAULT_LIMITS
    size: int = 0  # the instance's approximate serialized size so far, in characters
    # Writing text (``write``): the root's namespace declarations, and tag -> prefixed name, shared by draws.
    declared: dict[str, str] = field(default_factory=dict)  # namespace -> prefix, as the root declares them
    declarations: str = ""
    names: dict[str, str] = field(default_factory=dict)
    # A complex type's writer for an element name, generated (``writers.writer_for``); None: the generic walk only
    writers: Callable[[TypeGen, str, Draw], TypeWriter] | None = None
    # The limits read per element and per value, taken out of ``limits`` once per draw:
    hard_limit: int = field(init=False)  # the depth at which a required element ends the draw (nillable: nil)
    max_occurs: int = field(init=False)
    max_bytes: int = field(init=False)  # max_generated_bytes
    half_bytes: int = field(init=False)  # past it, optional parts are left out
    max_length: int = field(init=False)  # max_string_length

    def __post_init__(self) -> None:
        limits = self.limits
        self.hard_limit = limits.max_generation_depth
        self.max_occurs = limits.max_occurs
        self.max_bytes = limits.max_generated_bytes
        self.half_bytes = limits.max_generated_bytes // 2
        self.max_length = limits.max_string_length

    def occurrences(self, low: int, high: int, depth: int, where: Callable[[], str]) -> int:
        """How many times to write a particle; ``where`` names it, called only for an error (it runs per draw)."""
        if low > self.max_occurs:
            raise XsdGenerationLimitError(
                f"{where()} {low} times (minOccurs)", limit="max_occurs", value=self.max_occurs, where=None
            )
        if self.minimal or depth >= self.depth_limit or self.size > self.half_bytes:
            return low
        if high == 1:
            return 1 if low == 1 or self.rng.random() < 0.7 else 0
        if depth >= self.depth_limit // 2 and high == UNBOUNDED:
            return max(low, 1)  # deep in a recursive structure: keep the tree from growing wide
        top = high if high != UNBOUNDED else max(low, 1) + 2
        return self.rng.randint(max(low, 1), max(low, min(top, max(low, 1) + 2)))

    def grow(self, characters: int, where: str) -> None:
        """Count ``characters`` more in the instance; past ``max_generated_bytes`` the draw ends."""
        self.size += characters
        if self.size > self.max_bytes:
            self.too_large(where)

    def too_large(self, where: str) -> None:
        raise XsdGenerationLimitError(
            f"an answer this large (its required parts, at {where})", limit="max_generated_bytes",
            value=self.max_bytes, where=None,
        )  # fmt: skip

    def value(self, simple: SimpleType, local: str, owner: str | None) -> str:
        """A value of ``simple`` for the leaf or attribute ``local``, counted in the instance's size."""
        max_length = self.max_length
        if self.minimal:
            simple.check_length(max_length, local)  # draw() checks it itself, naming the leaf
            value = simple.minimal(self.rng, self.fake, max_length=max_length)
        else:
            key = (local, owner)
            plans = simple._plans
            plan = plans.get(key, _UNPLANNED) if plans is not None else _UNPLANNED
            if plan is _UNPLANNED:
                plan = simple.plan(key, value_plan(simple, self.fake, local, owner, max_length))
            if plan is not None:  # the same draws draw() would make, with its choices made once (plans.py)
                value = plan(self.rng)  # type: ignore[operator]
                if simple._patterned and simple.has_patterns():
                    vet(simple, value, local)
                self.size += len(value)
                if self.size > self.max_bytes:
                    self.too_large(local)
                return value  # type: ignore[no-any-return]
            value = simple.draw(self.rng, self.fake, local, owner, max_length=max_length)
        if simple.has_patterns():  # a type without patterns has nothing to vet
            vet(simple, value, local)
        self.size += len(value)
        if self.size > self.max_bytes:
            self.too_large(local)
        return value

    def qualified(self, tag: str) -> str:
        """A Clark name as written under the root's declarations (``writable`` checked every prefix is there)."""
        name = self.names.get(tag)
        if name is None:
            namespace, local = split_clark(tag)
            name = self.names[tag] = f"{self.declared[namespace]}:{local}" if namespace else local
        return name

    def qname_text(self, name: str) -> str:
        namespace, local = split_clark(name)
        prefix = self.prefixes.get(namespace)
        return f"{prefix}:{local}" if prefix else local


class Node:
    """A particle: something that adds children to an element."""

    min_occurs: int = 1

    def emit(self, draw: Draw, parent: etree._Element, depth: int) -> None:
        raise NotImplementedError

    def write(self, draw: Draw, out: list[str], parent: str, depth: int, texts: Texts | None) -> None:
        """``emit`` as serialized XML appended to ``out`` (``parent``: the local name of the element written
        into; ``texts``: where the parent's Coherence wants its children's text pieces, or None). Same rng
        draws in the same order as ``emit``, so the same text as the tree ``emit`` builds, serialized."""
        raise NotImplementedError

    def cost(self, depth: int = 0) -> int:
        """The fewest elements this particle can produce (for choosing the shortest branch)."""
        return 0


@dataclass(eq=False)
class AttributeGen:
    tag: str
    simple: SimpleType
    required: bool = False
    fixed: str | None = None
    prohibited: bool = False

    def emit(self, draw: Draw, element: etree._Element) -> None:
        if self.prohibited or not (self.required or (not draw.minimal and draw.rng.random() < 0.5)):
            return
        if self.fixed is not None:
            value = self.fixed
            vet(self.simple, value, local_name(self.tag))
        else:
            local = local_name(self.tag)
            drawn = _override(draw, local, self.simple)
            if drawn is None:
                drawn = draw.value(self.simple, local, local_name(element.tag))
            value = drawn
        element.set(self.tag, value)

    def write(self, draw: Draw, out: list[str], owner: str) -> None:
        """``emit`` as `` name="value"`` appended to ``out``; ``owner``: the local name of the element."""
        if self.prohibited or not (self.required or (not draw.minimal and draw.rng.random() < 0.5)):
            return
        if self.fixed is not None:
            value = self.fixed
            vet(self.simple, value, local_name(self.tag))
        else:
            local = local_name(self.tag)
            drawn = _override(draw, local, self.simple)
            if drawn is None:
                drawn = draw.value(self.simple, local, owner)
            value = drawn
        out.append(f' {draw.qualified(self.tag)}="{escape_attribute(value)}"')


def vet(simple: SimpleType, value: str, local: str) -> None:
    """Raise ``XsdGenerationError`` (the draw is tried again) when ``value`` certainly fails a pattern of
    ``simple``: every value written under a pattern has met it, the validator does not match them again."""
    failed = simple.pattern_failure(value)
    if failed is not None:
        raise XsdGenerationError(
            f"no value of <{local}> could be drawn that its pattern accepts: the value '{clip(value, 64)}' "
            f"is not accepted by the pattern '{clip(failed, 256)}'",
            where=None,
            hint="the schema may be unsatisfiable (a pattern conflicting with other facets); check it with `ctk lint`",
        )


def _override(draw: Draw, local: str, simple: SimpleType) -> str | None:
    value = draw.overrides.get(local) if draw.overrides else None
    return value if value is not None and simple.accepts(value) else None


@dataclass(eq=False)
class ArrayGen:
    """rpc/encoded arrays: items typed with xsi:type and counted in soapenc:arrayType."""

    item_tag: str
    item_type: str  # Clark QName of the item type
    array_type_attribute: str
    resolve: Callable[[str], TypeGen]

    def fill(self, draw: Draw, element: etree._Element, depth: int) -> None:
        count = 0 if draw.minimal or depth >= draw.depth_limit else draw.rng.randint(1, 3)
        draw.arrays.append(element)
        item = self.resolve(self.item_type)
        for _ in range(count):
            child = etree.SubElement(element, self.item_tag)
            child.set(f"{{{XSI}}}type", draw.qname_text(self.item_type))
            item.fill(draw, child, depth + 1, self.item_tag)
        element.set(self.array_type_attribute, f"{draw.qname_text(self.item_type)}[{count}]")


@dataclass(eq=False)
class TypeGen:
    """A compiled type: attributes plus element content, simple content, or an encoded array."""

    name: str
    abstract: bool = False
    attributes: list[AttributeGen] = field(default_factory=list)
    content: Node | None = None
    simple: SimpleType | None = None
    mixed: bool = False
    array: ArrayGen | None = None
    _cost: int | None = None
    _cohere: Coherence | None = None  # the relations its children's names make obvious, found on first fill
    # ``write``: its writer per element name (``writers.writer_for``: generated, or ``write_generic``); None: seen once
    _writers: dict[str, TypeWriter | None] | None = None

    _leaf: bool | None = None

    @property
    def leaf(self) -> bool:
        """Simple content and nothing else (no attributes, not abstract): ``write_one`` writes it in one piece.
        Asked only once the type is compiled (it is written), so kept."""
        if self._leaf is None:
            self._leaf = self.simple is not None and not self.attributes and self.array is None and not self.abstract
        return self._leaf

    def fill(self, draw: Draw, element: etree._Element, depth: int, local: str, fixed: str | None = None) -> None:
        for attribute in self.attributes:
            attribute.emit(draw, element)
        if self.array is not None:
            self.array.fill(draw, element, depth)
        elif self.simple is not None:
            if fixed is not None:
                vet(self.simple, fixed, local)
            value = fixed if fixed is not None else _override(draw, local, self.simple)
            if value is None:
                owner = element.getparent()
                owner_name = local_name(owner.tag) if owner is not None else None
                value = draw.value(self.simple, local, owner_name)
            element.text = value
        elif self.content is not None:
            if self.mixed and not draw.minimal and draw.rng.random() < 0.3:
                element.text = draw.fake.word(draw.rng)
            self.content.emit(draw, element, depth)
            if self._cohere is None:
                self._cohere = Coherence.of(self.content)
            if self._cohere.active:
                self._cohere.apply(element)

    def write(
        self, draw: Draw, out: list[str], depth: int, local: str, owner: str | None, fixed: str | None = None
    ) -> int:
        """``write_generic``, by the writer generated for elements called ``local`` where the draw makes them."""
        make = draw.writers
        if make is None:
            return self.write_generic(draw, out, depth, local, owner, fixed)
        writers = self._writers
        writer = writers.get(local) if writers is not None else None
        if writer is None:
            writer = make(self, local, draw)
        return writer(draw, out, depth, local, owner, fixed)

    def write_generic(
        self, draw: Draw, out: list[str], depth: int, local: str, owner: str | None, fixed: str | None = None
    ) -> int:
        """``fill`` as serialized XML: the attributes, then ``>`` and the content (or ``/>`` when there is
        none, as lxml writes an element without text or children). Returns where the element's own text is
        in ``out`` (-1: none), for the parent's Coherence, or ``CLOSED`` when ``/>`` ended the element.
        ``owner``: the parent element's local name."""
        for attribute in self.attributes:
            attribute.write(draw, out, local)
        if self.array is not None:
            raise XsdGenerationError("an encoded array is written by the tree path", where=None)  # see ``writable``
        if self.simple is not None:
            if fixed is not None:
                vet(self.simple, fixed, local)
            value = fixed if fixed is not None else _override(draw, local, self.simple)
            if value is None:
                value = draw.value(self.simple, local, owner)
            out.append(">")
            out.append(escape_text(value))
            return len(out) - 1
        if self.content is None:
            out.append("/>")
            return CLOSED
        start = len(out)
        out.append(">")
        text_at = -1
        if self.mixed and not draw.minimal and draw.rng.random() < 0.3:
            out.append(escape_text(draw.fake.word(draw.rng)))
            text_at = len(out) - 1
        if self._cohere is None:
            self._cohere = Coherence.of(self.content)
        texts: Texts | None = {} if self._cohere.active else None
        self.content.write(draw, out, local, depth, texts)
        if len(out) == start + 1:
            out[start] = "/>"
            return CLOSED
        if texts:
            self._cohere.apply_text(out, texts)
        return text_at

    def cost(self, depth: int = 0) -> int:
        if self._cost is None:
            if depth > _COST_DEPTH:
                return _EXPENSIVE  # not kept: from nearer the top, it may be measured
            self._cost = _EXPENSIVE  # in progress: a recursive type counts as expensive
            self._cost = self.content.cost(depth + 1) if self.content is not None and self.array is None else 0
        return self._cost


@dataclass(eq=False)
class Coherence:
    """Relations the child elements' names make obvious: ``amountCaptured`` is at most ``amount``, ``created``
    is not after ``updated``. Applied on the text written; a value the swap or copy makes invalid for its own
    type is caught by the validator every instance passes, and the instance drawn again."""

    amount: str | None = None
    parts: tuple[str, ...] = ()
    created: str | None = None
    updated: str | None = None
    active: bool = False

    @classmethod
    def of(cls, content: Node) -> Coherence:
        """Found once per complex type; only between elements of one named type, so that a copy or a swap
        keeps every value valid for its type (patterns included, which the generator vets itself)."""
        decls: dict[str, ElementDecl] = {}
        stack = [content]
        while stack:
            node = stack.pop()
            if isinstance(node, ElementParticle):
                decls.setdefault(snake(node.decl._local), node.decl)
            elif isinstance(node, SequenceNode):
                stack.extend(node.parts)
            elif isinstance(node, ChoiceNode):
                stack.extend(node.branches)

        def same_type(one: ElementDecl | None, other: ElementDecl | None) -> bool:
            return (
                one is not None
                and other is not None
                and one.type_name is not None
                and (one.type_name == other.type_name)
            )

        amount = decls.get("amount")
        parts = tuple(decl.tag for key, decl in decls.items()
                      if key.startswith("amount_") and key[len("amount_"):] in MONEY_TAILS
                      and same_type(decl, amount))  # fmt: skip
        created = next((decls[key] for key in _CREATED if key in decls), None)
        updated = next((decls[key] for key in _UPDATED if key in decls), None)
        if not same_type(created, updated):
            created = updated = None
        active = bool(parts) or created is not None
        return cls(
            amount.tag if amount is not None and parts else None,
            parts,
            created.tag if created is not None else None,
            updated.tag if updated is not None else None,
            active,
        )

    def apply(self, element: etree._Element) -> None:
        if self.amount is not None and self.parts:
            total = element.find(self.amount)
            if total is not None and total.text:
                for tag in self.parts:
                    part = element.find(tag)
                    if part is not None and part.text and _above(part.text, total.text):
                        part.text = total.text
        if self.created is not None and self.updated is not None:
            first, last = element.find(self.created), element.find(self.updated)
            if first is not None and last is not None and first.text and last.text:
                a, b = first.text, last.text
                if len(a) == len(b) >= 10 and a[4:5] == "-" == b[4:5] and a > b:
                    first.text, last.text = b, a

    def apply_text(self, out: list[str], texts: Texts) -> None:
        """``apply`` on serialized text: ``texts`` says where each child's text is in ``out`` (the first
        child of each tag, as ``find`` does; -1 when it has none)."""

        def text(tag: str | None) -> str | None:
            at = texts.get(tag, -1) if tag is not None else -1
            return unescape(out[at]) if at >= 0 else None

        if self.amount is not None and self.parts:
            total = text(self.amount)
            if total:
                for tag in self.parts:
                    part = text(tag)
                    if part and _above(part, total):
                        out[texts[tag]] = escape_text(total)
        if self.created is not None and self.updated is not None:
            a, b = text(self.created), text(self.updated)
            if a and b and len(a) == len(b) >= 10 and a[4:5] == "-" == b[4:5] and a > b:
                out[texts[self.created]], out[texts[self.updated]] = escape_text(b), escape_text(a)


_CREATED = ("created", "created_at", "created_date", "creation_date", "date_created", "created_on")
_UPDATED = ("updated", "updated_at", "modified", "modified_at", "last_modified", "date_modified", "last_updated")


def _above(value: str, bound: str) -> bool:
    try:
        return float(value) > float(bound)
    except ValueError:
        return False


def _no_substitutes() -> list[ElementDecl]:
    return []


@dataclass(eq=False)
class ElementDecl:
    """An element declaration: its name as written in instances, its type, nillable/fixed, and
    (for global ones) the members of its substitution group."""

    tag: str
    type_name: str | None  # Clark QName, or None for an anonymous type
    resolve_type: Callable[[], TypeGen]
    abstract: bool = False
    nillable: bool = False
    fixed: str | None = None
    substitutes: Callable[[], list[ElementDecl]] = _no_substitutes
    derived: Callable[[], list[TypeGen]] = lambda: []
    _type: TypeGen | None = None
    _name: str | None = None  # as written as text (``write_one``), with its prefix
    _bytes: int = field(init=False)  # what this element adds to the instance's size, besides its text
    _local: str = field(init=False)

    def __post_init__(self) -> None:
        self._bytes = 2 * len(self.tag) + _ELEMENT_BYTES
        self._local = local_name(self.tag)

    @property
    def type(self) -> TypeGen:
        if self._type is None:
            self._type = self.resolve_type()
        return self._type

    def pick(self, draw: Draw) -> ElementDecl | None:
        """This declaration or a member of its substitution group (always a member when abstract)."""
        if self.substitutes is _no_substitutes and not self.abstract:
            return self  # a local element (no substitution group): no list to build, no rng drawn
        members = [member for member in self.substitutes() if not member.abstract]
        if self.abstract:
            return (members[0] if draw.minimal else draw.rng.choice(members)) if members else None
        if members and not draw.minimal and draw.rng.random() < 0.3:
            return draw.rng.choice(members)
        return self

    def emit_one(self, draw: Draw, parent: etree._Element | None, depth: int) -> etree._Element:
        if depth >= draw.hard_limit and not self.nillable:
            raise XsdGenerationLimitError(
                f"<{local_name(self.tag)}>: it is nested {depth} levels deep in required elements (a required "
                "recursion never ends)", limit="max_generation_depth", value=draw.hard_limit, where=self.tag,
                hint="make an element of the chain optional, or raise the limit with "
                "`ctk serve --limit max_generation_depth=N` if the nesting is finite",
            )  # fmt: skip
        draw.size += self._bytes
        if draw.size > draw.max_bytes:
            draw.too_large(self.tag)
        type_gen = self._type if self._type is not None else self.type
        xsi_type: str | None = None
        if type_gen.abstract:
            concrete = [derived for derived in self.derived() if not derived.abstract]
            if concrete:
                type_gen = concrete[0] if draw.minimal else draw.rng.choice(concrete)
                xsi_type = type_gen.name
        if parent is None:
            nsmap = {prefix: namespace for namespace, prefix in draw.prefixes.items()}
            element = etree.Element(self.tag, nsmap=nsmap)
        else:
            element = etree.SubElement(parent, self.tag)
        if xsi_type is not None:
            element.set(f"{{{XSI}}}type", draw.qname_text(xsi_type))
        if depth >= draw.hard_limit:
            element.set(f"{{{XSI}}}nil", "true")  # nothing else ends this recursion
            return element
        type_gen.fill(draw, element, depth + 1, self._local, self.fixed)
        return element

    def write_one(self, draw: Draw, out: list[str], owner: str | None, depth: int, texts: Texts | None) -> None:
        """``emit_one`` as serialized XML appended to ``out``; ``owner``: the parent's local name (None: this
        is the root, which declares the draw's prefixes)."""
        if depth >= draw.hard_limit and not self.nillable:
            raise XsdGenerationLimitError(
                f"<{local_name(self.tag)}>: it is nested {depth} levels deep in required elements (a required "
                "recursion never ends)", limit="max_generation_depth", value=draw.hard_limit, where=self.tag,
                hint="make an element of the chain optional, or raise the limit with "
                "`ctk serve --limit max_generation_depth=N` if the nesting is finite",
            )  # fmt: skip
        draw.size += self._bytes
        if draw.size > draw.max_bytes:
            draw.too_large(self.tag)
        type_gen = self._type if self._type is not None else self.type
        name = self._name if self._name is not None else self._qualified(draw)
        if (
            (type_gen._leaf if type_gen._leaf is not None else type_gen.leaf)
            and owner is not None
            and (depth < draw.hard_limit)
        ):
            # the commonest element, a leaf of simple type without attributes: what fill() does, in one piece
            simple, local = type_gen.simple, self._local
            assert simple is not None  # a leaf's
            value = self.fixed
            if value is not None:
                vet(simple, value, local)
            else:
                overrides = draw.overrides
                value = overrides.get(local) if overrides else None
                if value is None or not simple.accepts(value):
                    plans = simple._plans  # draw.value()'s plan, asked here: a frame less per leaf
                    plan = plans.get((local, owner)) if plans is not None and not draw.minimal else None
                    if plan is not None and not simple._patterned:
                        value = plan(draw.rng)  # type: ignore[operator]
                        draw.size += len(value)
                        if draw.size > draw.max_bytes:
                            draw.too_large(local)
                    else:
                        value = draw.value(simple, local, owner)
            if texts is None:
                out.append(f"<{name}>{escape_text(value)}</{name}>")
            else:
                out.append(f"<{name}>")
                out.append(escape_text(value))
                texts.setdefault(self.tag, len(out) - 1)
                out.append(f"</{name}>")
            return
        xsi_type: str | None = None
        if type_gen.abstract:
            concrete = [derived for derived in self.derived() if not derived.abstract]
            if concrete:
                type_gen = concrete[0] if draw.minimal else draw.rng.choice(concrete)
                xsi_type = type_gen.name
        out.append(f"<{name}{draw.declarations}" if owner is None else f"<{name}")
        if xsi_type is not None:
            out.append(f' xsi:type="{escape_attribute(draw.qname_text(xsi_type))}"')
        if depth >= draw.hard_limit:
            out.append(' xsi:nil="true"/>')  # nothing else ends this recursion
            if texts is not None:
                texts.setdefault(self.tag, -1)
            return
        at = type_gen.write(draw, out, depth + 1, self._local, owner, self.fixed)
        if texts is not None:
            texts.setdefault(self.tag, max(at, -1))
        if at != CLOSED:
            out.append(f"</{name}>")

    def _qualified(self, draw: Draw) -> str:
        """The name ``write_one`` writes, kept: a declaration belongs to one generator, whose prefixes are fixed."""
        self._name = draw.qualified(self.tag)
        return self._name


@dataclass(eq=False)
class ElementParticle(Node):
    decl: ElementDecl
    min_occurs: int = 1
    max_occurs: int = 1
    _optional: bool = field(init=False)
    _present: float = field(init=False)

    def __post_init__(self) -> None:
        # minOccurs="0" is how many vendors (WCF, Axis) write every field: optional means "may be absent", not
        # "often"; a field a person expects filled (name, email, amount...) is always written, within the limits
        self._optional = self.min_occurs == 0 and self.max_occurs == 1
        self._present = 1.0 if filled_kind(local_name(self.decl.tag)) else 1.0 - NULL_SHARE

    def emit(self, draw: Draw, parent: etree._Element, depth: int) -> None:
        where = self._where
        if self._optional:
            if draw.minimal or depth >= draw.depth_limit or draw.size > draw.half_bytes:
                return
            count = 1 if self._present >= 1.0 or draw.rng.random() < self._present else 0
        else:
            count = draw.occurrences(self.min_occurs, self.max_occurs, depth, where)
        for _ in range(count):
            chosen = self.decl.pick(draw)
            if chosen is None:
                if self.min_occurs:
                    raise XsdGenerationError(
                        f"<{local_name(self.decl.tag)}> is abstract and nothing substitutes for it",
                        where=self.decl.tag,
                        hint="declare an element with substitutionGroup pointing at it",
                    )
                return
            chosen.emit_one(draw, parent, depth)

    def write(self, draw: Draw, out: list[str], parent: str, depth: int, texts: Texts | None) -> None:
        where = self._where
        if self._optional:
            if draw.minimal or depth >= draw.depth_limit or draw.size > draw.half_bytes:
                return
            count = 1 if self._present >= 1.0 or draw.rng.random() < self._present else 0
        elif self.min_occurs == 1 == self.max_occurs and draw.max_occurs:
            count = 1  # what occurrences(1, 1) says, drawing nothing
        else:
            count = draw.occurrences(self.min_occurs, self.max_occurs, depth, where)
        decl = self.decl
        if decl.substitutes is _no_substitutes and not decl.abstract:  # pick() would return it, drawing nothing
            for _ in range(count):
                decl.write_one(draw, out, parent, depth, texts)
            return
        for _ in range(count):
            chosen = decl.pick(draw)
            if chosen is None:
                if self.min_occurs:
                    raise XsdGenerationError(
                        f"<{local_name(decl.tag)}> is abstract and nothing substitutes for it",
                        where=decl.tag,
                        hint="declare an element with substitutionGroup pointing at it",
                    )
                return
            chosen.write_one(draw, out, parent, depth, texts)

    def cost(self, depth: int = 0) -> int:
        return self.min_occurs * (1 + self.decl.type.cost(depth + 1)) if self.min_occurs else 0

    def _where(self) -> str:
        return f"<{local_name(self.decl.tag)}>"


@dataclass(eq=False)
class SequenceNode(Node):
    parts: list[Node]
    min_occurs: int = 1
    max_occurs: int = 1
    all_group: bool = False  # xs:all: any order is valid; declared order is used

    def emit(self, draw: Draw, parent: etree._Element, depth: int) -> None:
        high = min(self.max_occurs, 2) if self.max_occurs else 1
        for _ in range(
            draw.occurrences(self.min_occurs, high, depth, lambda: f"a sequence in <{local_name(parent.tag)}>")
        ):
            for part in self.parts:
                part.emit(draw, parent, depth)

    def write(self, draw: Draw, out: list[str], parent: str, depth: int, texts: Texts | None) -> None:
        if self.min_occurs == 1 == self.max_occurs and draw.max_occurs:  # once: occurrences(1, 1), drawing nothing
            for part in self.parts:
                part.write(draw, out, parent, depth, texts)
            return
        high = min(self.max_occurs, 2) if self.max_occurs else 1
        for _ in range(draw.occurrences(self.min_occurs, high, depth, lambda: f"a sequence in <{parent}>")):
            for part in self.parts:
                part.write(draw, out, parent, depth, texts)

    def cost(self, depth: int = 0) -> int:
        return self.min_occurs * sum(min(part.cost(depth + 1), _EXPENSIVE) for part in self.parts)


@dataclass(eq=False)
class ChoiceNode(Node):
    branches: list[Node]
    min_occurs: int = 1
    max_occurs: int = 1

    def emit(self, draw: Draw, parent: etree._Element, depth: int) -> None:
        if not self.branches:
            return
        high = min(self.max_occurs, 2) if self.max_occurs else 1
        for _ in range(
            draw.occurrences(self.min_occurs, high, depth, lambda: f"a choice in <{local_name(parent.tag)}>")
        ):
            if draw.minimal or depth >= draw.depth_limit:
                branch = min(self.branches, key=lambda node: node.cost())
            else:
                branch = draw.rng.choice(self.branches)
            branch.emit(draw, parent, depth)

    def write(self, draw: Draw, out: list[str], parent: str, depth: int, texts: Texts | None) -> None:
        if not self.branches:
            return
        high = min(self.max_occurs, 2) if self.max_occurs else 1
        for _ in range(draw.occurrences(self.min_occurs, high, depth, lambda: f"a choice in <{parent}>")):
            if draw.minimal or depth >= draw.depth_limit:
                branch = min(self.branches, key=lambda node: node.cost())
            else:
                branch = draw.rng.choice(self.branches)
            branch.write(draw, out, parent, depth, texts)

    def cost(self, depth: int = 0) -> int:
        return self.min_occurs * min((branch.cost(depth + 1) for branch in self.branches), default=0)


@dataclass(eq=False)
class AnyNode(Node):
    """xs:any: nothing when optional; otherwise one simple element in an allowed namespace (or a
    declared global element when processContents is strict)."""

    namespace: str  # the namespace of the element to write ("" for none)
    strict_candidates: Callable[[], list[ElementDecl]]
    min_occurs: int = 1
    max_occurs: int = 1

    def emit(self, draw: Draw, parent: etree._Element, depth: int) -> None:
        where = f"a wildcard (xs:any) in <{local_name(parent.tag)}>"
        count = draw.occurrences(self.min_occurs, self.min_occurs, depth, lambda: where) if self.min_occurs else 0
        for _ in range(count):
            candidates = self.strict_candidates()
            if candidates:
                candidates[0 if draw.minimal else draw.rng.randrange(len(candidates))].emit_one(draw, parent, depth)
                continue
            tag = f"{{{self.namespace}}}extension" if self.namespace else "extension"
            draw.grow(2 * len(tag) + _ELEMENT_BYTES, where)
            etree.SubElement(parent, tag).text = draw.fake.word(draw.rng)

    def write(self, draw: Draw, out: list[str], parent: str, depth: int, texts: Texts | None) -> None:
        where = f"a wildcard (xs:any) in <{parent}>"
        count = draw.occurrences(self.min_occurs, self.min_occurs, depth, lambda: where) if self.min_occurs else 0
        for _ in range(count):
            candidates = self.strict_candidates()
            if candidates:
                chosen = candidates[0 if draw.minimal else draw.rng.randrange(len(candidates))]
                chosen.write_one(draw, out, parent, depth, texts)
                continue
            tag = f"{{{self.namespace}}}extension" if self.namespace else "extension"  # its prefix: ``writable``
            draw.grow(2 * len(tag) + _ELEMENT_BYTES, where)
            name = draw.qualified(tag)
            out.append(f"<{name}>")
            out.append(escape_text(draw.fake.word(draw.rng)))
            if texts is not None:
                texts.setdefault(tag, len(out) - 1)
            out.append(f"</{name}>")

    def cost(self, depth: int = 0) -> int:
        return self.min_occurs
