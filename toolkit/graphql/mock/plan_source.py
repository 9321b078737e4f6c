"""A generated writer per object of a plan: ``_Object.complete`` and the encoder in one flat function.

``plan._Object.complete`` is a loop over the object's response keys that asks, for each field and each object, what
is fixed for the plan: is it ``__typename``, a leaf drawn inline (``values.Drawn``), a leaf made from its stream, an
object produced by its key, or one ``resolve`` answers; then ``json.dumps`` walks the dictionary it built. Here those
questions are answered once, when the plan answers again (``plan.GENERATE_AT``; a one-off document never pays for
it): the loop is written out as Python source with each field's branch alone and its constants in place, compiled
once, and the object's JSON text is formatted directly from its values' texts (``json_text``: the encoder's own text,
value by value); a plain list's items are written as they are made (``resolve.ListParts``, ``dynamic_items``). The
function answers exactly what ``complete`` then the encoder answers, branch for branch
(tests/graphql/test_gql_fast_writer.py holds them equal on several schemas); ``complete`` stays the reference, and
what writes a plan's first answer.

Bounded: an object of more than ``MAX_OBJECT_FIELDS`` response keys is not generated (``complete`` writes it), nor
more than ``GENERATED_FIELDS`` fields per plan in all (about 1 KB of code each), so a plan's generated code stays
under a few MB whatever the document; a plan's writers go with the plan.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from graphql import GraphQLScalarType, specified_scalar_types

from toolkit.graphql.mock.fallback import Fallback
from toolkit.graphql.mock.json_text import encode_string, json_text, scalar_text
from toolkit.graphql.mock.resolve import NULL_ODDS, MockObject, fits
from toolkit.graphql.mock.streams import GOLDEN, ITEM_STRIDE, MASK, Stream, stream

if TYPE_CHECKING:
    from collections.abc import Callable

    from toolkit.graphql.mock.plan import _Field, _Object, _Write

    _Plain = Callable[[Any, int, dict[str, Any], Any], str]

__all__ = ["GENERATED_FIELDS", "MAX_OBJECT_FIELDS", "object_writer"]

MAX_OBJECT_FIELDS = 256
GENERATED_FIELDS = 2000
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*\Z")  # a response key or a type name: written into the source as it is
_TEXTS = frozenset({"String", "ID"})  # the built-in scalars whose exact values are str


def object_writer(target: _Object) -> tuple[_Write, _Plain] | None:
    """The writer of ``target``'s objects and its plain part alone (``_Object.plain_writer``), or None where it is not
    generated (too many fields, a key or a table value the source cannot hold as it is)."""
    fields = target.fields
    plan = target.plan
    if fields is None or len(fields) > MAX_OBJECT_FIELDS or plan.generated + len(fields) > GENERATED_FIELDS:
        return None
    if not _NAME.match(target.type.name) or not all(_NAME.match(key) for key, _ in fields):
        return None
    source = _Source(target.type.name)
    for index, (key, field) in enumerate(fields):
        source.field(index, key, field)
    try:
        written = source.function(target.non_null, plan.resolvers.resolve)
    except (ValueError, TypeError):  # a table value the encoder refuses: ``complete`` and the encoder report it
        return None
    plan.generated += len(fields)
    return written


def _texts(field: _Field) -> bool:
    """Whether the field is a built-in String or ID (non-null or not): its exact values are str."""
    named = field.named
    return (
        isinstance(named, GraphQLScalarType)
        and named is specified_scalar_types.get(named.name)
        and named.name in _TEXTS
    )


class _Source:
    """The writer's source: the non-plain part (every field by ``resolve``), the plain part (each field's own branch),
    and the constants both read, by name."""

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name
        self.plain: list[str] = []
        self.resolved: list[str] = []
        self.parts: list[tuple[str, str | None]] = []  # (the key's text, the value's variable or None: __typename)
        self.names: dict[str, Any] = {}
        self.stream = False

    def constant(self, name: str, value: Any) -> str:
        self.names[name] = value
        return name

    def field(self, index: int, key: str, field: _Field | None) -> None:
        if field is None:
            self.parts.append((f'"{key}":"{self.type_name}"', None))
            return
        out = f"t{index}"
        self.parts.append((f'"{key}":', out))
        write = self.constant(f"W{index}", field.write)
        name = repr(field.name)
        args = (
            f"{self.constant(f'AR{index}', field.arguments)}(variables)"
            if field.dynamic
            else self.constant(f"A{index}", field.args)
        )
        resolved = (
            f"{out} = {write}(resolve(value, {name}, {self.constant(f'T{index}', field.type)}, {args}, "
            f"{field.root!r}, {self.constant(f'WA{index}', field.wanted)}), variables)"
        )
        self.resolved.append(resolved)
        # in the plain part ``value`` is None for an object a list makes: made here for ``resolve`` alone
        resolved = resolved.replace(
            "resolve(value,", f"resolve(value or MockObject(parent, {self.type_name!r}, echo),", 1
        )
        lines = [f"if echo and {name} in echo:"]
        if field.make is not None:  # a leaf the object repeats from its arguments, where its type can carry it
            lines.append(f"    inherited = echo[{name}]")
            if _texts(field):  # a str fits a String or an ID, completed as it is: its text (``leaf`` then ``TEXT``)
                lines += ["    if type(inherited) is str:", f"        {out} = ENC(inherited)", "    el" + "se:"]
                lines += ["    " + line for line in self._inherited(index, field, out, write, resolved)]
            else:
                lines += self._inherited(index, field, out, write, resolved)
        else:
            lines.append(f"    {resolved}")
        lines.append("else:")
        lines += ["    " + line for line in self._fast(index, field, out, write, resolved)]
        self.plain += lines

    def _inherited(self, index: int, field: _Field, out: str, write: str, resolved: str) -> list[str]:
        return [
            f"    if fits({self.constant(f'N{index}', field.named)}, inherited):",
            f"        {out} = {write}(inherited, variables)",
            "    else:",
            f"        {resolved}",
        ]

    def _fast(self, index: int, field: _Field, out: str, write: str, resolved: str) -> list[str]:
        """The field's branch on a plain object repeating nothing of its name (``complete``'s shortcuts)."""
        if field.below:
            return self._drawn(index, field, out)
        if field.make is not None:
            self.stream = True
            make = self.constant(f"M{index}", field.make)
            lines = [f"rng.state = (parent + {field.step & MASK}) & MASK", "rng.half = -1"]
            if field.exact:
                value = "ENC(v) if type(v) is str else TEXT(v)" if _texts(field) else "TEXT(v)"
                made = [f"v = {make}(rng)", f"{out} = {value}"]
            else:
                made = [f"{out} = {write}({make}(rng), variables)"]
            if field.may_be_null:
                return [*lines, "if rng.below(NULL_ODDS) == 0:", f"    {out} = 'null'", "else:",
                        *("    " + line for line in made)]  # fmt: skip
            return lines + made
        if field.produce is not None and field.items is not None:
            fused = self._items(index, field, out, write)
            if fused is not None:
                return fused
        if field.produce is not None:
            produce = self.constant(f"P{index}", field.produce)
            if field.exact:  # a list of leaves as they are, or None
                return [f"{out} = JSON({produce}(parent))"]
            return [f"{out} = {write}({produce}(parent), variables)"]
        if field.dynamic and field.started is not None and field.started[2] is None:
            fused = self._started(index, field, out, write)
            if fused is not None:
                return fused
        if field.dynamic and field.produce_with is not None:
            produce = self.constant(f"PW{index}", field.produce_with)
            arguments = self.constant(f"AR{index}", field.arguments)
            return [f"{out} = {write}({produce}(parent, {arguments}(variables)), variables)"]
        return [resolved]

    def _items(self, index: int, field: _Field, out: str, write: str) -> list[str] | None:
        """``produce`` then the list's writer for a list of leaves as they are or of plain objects whose writer is
        generated, written out: each item written as it is made (no ``MockObject``, no list of values)."""
        items = field.items
        assert items is not None
        if items.make is not None:
            if not field.exact:
                return None
            self.stream = True
            each = [
                f"rng.state = (key + (index + 1) * {ITEM_STRIDE}) & MASK",  # ``leaf_item(key, index)``
                "rng.half = -1",
                f"v = {self.constant(f'M{index}', items.make)}(rng)",
                "parts.append(ENC(v) if type(v) is str else TEXT(v))",
            ]
            if items.items_may_be_null:
                each[2:2] = ["if rng.below(NULL_ODDS) == 0:", "    parts.append('null')", "    continue"]
            null = f"{out} = 'null'"  # an exact list of leaves that is null: the encoder's null
        else:
            plain = self._child(field, items.type_name)
            if plain is None:
                return None
            echo = self.constant(f"E{index}", items.echo)
            return [
                f"key = {self.constant(f'KO{index}', items.key_of)}(parent)",
                f"size = {self.constant(f'SO{index}', items.size_of)}(key)",
                "if size is None:",
                f"    {out} = {write}(None, variables)",  # the list's writer: null, or Fallback where it may not be
                "else:",
                f"    nulls = {items.items_may_be_null!r}",
                *("    " + line for line in self._objects(index, plain, echo)),
                f"    {out} = '[' + ','.join(parts) + ']'",
            ]
        return [
            f"key = {self.constant(f'KO{index}', items.key_of)}(parent)",
            f"size = {self.constant(f'SO{index}', items.size_of)}(key)",
            "if size is None:",
            f"    {null}",
            "else:",
            "    parts = []",
            "    for index in range(size):",
            *("        " + line for line in each),
            f"    {out} = '[' + ','.join(parts) + ']'",
        ]

    def _child(self, field: _Field, type_name: str) -> _Plain | None:
        """The plain part of the writer of the objects ``field`` lists, generated now if it is not yet."""
        child = field.target
        if child is None or child.type.name != type_name:
            return None
        if child.plain_writer is None:
            child.generate()
        return child.plain_writer

    def _objects(self, index: int, plain: _Plain, echo: str) -> list[str]:
        """The loop writing a list's objects as they are made, from its ``key``, ``size`` and ``nulls``."""
        return [
            "parts = []",
            "for index in range(size):",
            f"    z = (key + (index + 1) * {GOLDEN}) & MASK",  # ``mix(key, index)``
            "    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK",
            "    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK",
            "    z ^= z >> 31",
            "    if nulls and stream(z).below(NULL_ODDS) == 0:",
            "        parts.append('null')",
            "        continue",
            f"    parts.append({self.constant(f'CP{index}', plain)}(None, z, {echo}, variables))",
        ]

    def _started(self, index: int, field: _Field, out: str, write: str) -> list[str] | None:
        """``produce_with`` then the list's writer for a list of plain objects whose arguments change per request,
        written out as ``_items`` writes a constant one's."""
        assert field.started is not None
        start, type_name, _ = field.started
        plain = self._child(field, type_name)
        if plain is None:
            return None
        arguments = self.constant(f"AR{index}", field.arguments)
        return [
            f"begun = {self.constant(f'ST{index}', start)}(parent, {arguments}(variables))",
            "if begun is None:",
            f"    {out} = {write}(None, variables)",  # the list's writer: null, or Fallback where it may not be
            "else:",
            "    key, size, items_echo, nulls = begun",
            *("    " + line for line in self._objects(index, plain, "items_echo")),
            f"    {out} = '[' + ','.join(parts) + ']'",
        ]

    def _drawn(self, index: int, field: _Field, out: str) -> list[str]:
        """``make(Stream(parent + step))`` for a ``values.Drawn`` maker, written out (as ``complete`` writes it)."""
        lines = [
            f"z = (parent + {(field.step + GOLDEN) & MASK}) & MASK",
            "z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK",
            "z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK",
            "z ^= z >> 31",
        ]
        if field.table is not None:
            texts = tuple(json_text(entry) for entry in field.table)  # ValueError for a value JSON cannot hold
            value = f"{self.constant(f'TT{index}', texts)}[r]"
        elif field.finish is None:
            value = f"int.__repr__({field.offset} + r)"
        else:
            finish = self.constant(f"FI{index}", field.finish)
            value = f"ENC(v) if type(v := {finish}({field.offset} + r)) is str else TEXT(v)"
        if not field.may_be_null:
            return [*lines, f"r = ((z >> 32) * {field.below}) >> 32", f"{out} = {value}"]
        return [*lines, f"if ((z >> 32) * {NULL_ODDS}) >> 32:", f"    r = ((z & 0xFFFFFFFF) * {field.below}) >> 32",
                f"    {out} = {value}", "else:", f"    {out} = 'null'"]  # fmt: skip

    def function(self, non_null: bool, resolve: Any) -> tuple[_Write, _Plain]:
        texts = ",".join(part if variable is None else part + "{" + variable + "}" for part, variable in self.parts)
        formatted = "f'{{" + texts + "}}'"
        null = "    raise Fallback('null in a non-null position')" if non_null else "    return 'null'"
        plain = (["    rng = Stream()"] if self.stream else []) + ["    " + line for line in self.plain]
        plain.append(f"    return {formatted}")
        body = [
            "def write(value, variables):",
            "    if type(value) is not MockObject:",
            "        if value is None:",
            "        " + null,
            "        raise Fallback('not an object')",
            "    if value.item is not None or value.connection is not None or value.passes:",
            *("        " + line for line in self.resolved),
            f"        return {formatted}",
            "    echo = value.echo",
            "    parent = value.key",
            *plain,
            "",
            "def plain(value, parent, echo, variables):",
            *plain,
        ]
        names: dict[str, Any] = {
            **self.names,
            "MockObject": MockObject,
            "Fallback": Fallback,
            "fits": fits,
            "Stream": Stream,
            "stream": stream,
            "MASK": MASK,
            "NULL_ODDS": NULL_ODDS,
            "ENC": encode_string,
            "TEXT": scalar_text,
            "JSON": json_text,
            "resolve": resolve,
        }
        code = compile("\n".join(body) + "\n", f"<ctk graphql writer of {self.type_name}>", "exec")
        exec(code, names)  # noqa: S102 - source made here from names checked against GraphQL's Name grammar
        written: _Write = names.pop("write")  # no cycle between the functions and their globals
        alone: _Plain = names.pop("plain")
        return written, alone
