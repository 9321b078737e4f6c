"""The GraphQL mock's resolvers: every field's value made up from its type, its name and the request.

graphql-core executes the query (selection, aliases, fragments, variables, ``__typename``,
introspection, null propagation); this module only answers "what is the value of this field on this
object". An object is a ``MockObject``: a seed ``key`` and what it must repeat from the request.

Seeding: an object's key is derived from its parent's key, the field name and the field's
arguments (list sizes and cursors aside, so ``first: 5`` and ``first: 6`` share their first five
items); an object fetched by id is keyed by the id alone, so it looks the same wherever it is fetched.
A leaf's value comes from its own random stream keyed by (object key, field, arguments) (``streams``:
cheap to seed, so each value has one): the same query gives the same data, and different objects (other
ids, other list positions) differ.

Echoes: arguments repeat into the object a field returns (``product(id: "p1") { id }`` → ``"p1"``),
those up to ``max_echo_length`` characters (so an answer cannot multiply a huge variable); an
input object's fields too, and a mutation's payload passes them on to the resource it holds
(``createProduct(input: {name: "X"}) { product { name } }`` → ``"X"``). Connections (Relay) are coherent:
``edges[i].node`` is ``nodes[i]``, cursors number the items, ``pageInfo`` and ``totalCount`` agree.
An echoed value is repeated only when the output type can carry it (a non-finite float cannot).

Bounded: a list holds at most ``min(MAX_LIST, max_array_items)`` items (what the client asked for, else 1
to 3); a list of lists fills only ``filled_levels`` levels, each inner list 1 to 3 items, and leaves the
deeper lists empty (valid for every list type), which is what the cost walk (``costs``) counts.
"""

from __future__ import annotations

import base64
import hashlib
import math
import random
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLAbstractType,
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    SelectionSetNode,
)

from toolkit.fake import Fake, filled_kind
from toolkit.graphql.mock.costs import DEFAULT_LIST, MAX_LIST, filled_levels
from toolkit.graphql.mock.streams import (
    EDGE,
    GOLDEN,
    ITEM,
    ITEM_STRIDE,
    MASK,
    Stream,
    leaf_item,
    mix,
    name_code,
    step,
    stream,
)
from toolkit.graphql.mock.values import INT_MAX, INT_MIN, is_size_argument, leaf_maker, wire_maker
from toolkit.limits import DEFAULT_LIMITS, Limits
from toolkit.mock.json_body import echo_fits
from toolkit.mock.seed import seed_of

Info = GraphQLResolveInfo[Any]  # graphql-core's resolve info; the mock uses no context

_CURSOR_ARGS = frozenset({"after", "before", "cursor", "offset", "skip", "page"})
_PAYLOAD_ERRORS = frozenset({"userErrors", "errors", "user_errors", "problems"})
NULL_ODDS = 25  # one nullable field in 25 is null: clients must cope, but a mock full of nulls shows little
_CURSOR_PREFIX = "ctk:"
_ECHO_NESTING = 100  # an echoed JSON value deeper than this is not repeated (requests are checked to max_nesting)


@dataclass(slots=True)
class MockObject:
    key: int
    type_name: str
    echo: dict[str, Any] = field(default_factory=dict)
    passes: bool = False  # a mutation's payload: its resources repeat the input, its error lists are empty
    connection: tuple[int, int, int] | None = None  # (offset, size, total) of a Relay connection or pageInfo
    item: int | None = None  # an edge: the absolute index of its node


DynamicStart = Callable[[int, dict[str, Any]], tuple[int, int, dict[str, Any], bool] | None]


@dataclass(frozen=True, slots=True)
class ListParts:
    """A list ``Resolvers.producer`` makes, in its parts, for a writer that writes each item as it is made
    (``plan_source``): the list's key from its parent's, its size from its key (None: the list is null), whether an
    item may be null; a list of objects' items are ``MockObject(mix(key, index), type_name, echo)``, a list of
    leaves' are ``make(Stream(leaf_item(key, index)))``."""

    key_of: Callable[[int], int]
    size_of: Callable[[int], int | None]
    items_may_be_null: bool
    type_name: str
    echo: dict[str, Any]
    make: Callable[[random.Random], Any] | None  # None: a list of objects


class Resolvers:
    """``field_resolver`` and ``type_resolver`` for graphql-core's ``execute``, for one schema and seed."""

    def __init__(self, schema: GraphQLSchema, seed: int, limits: Limits = DEFAULT_LIMITS) -> None:
        self.schema = schema
        self.seed = seed
        self.fake = Fake(seed)
        self.largest = min(MAX_LIST, limits.max_array_items)
        self.limits = limits
        self._root_keys: dict[str, int] = {}
        self.fast_items = True  # ``_items``' shortcut (off: item by item, the reference its tests compare with)
        self._makers: dict[tuple[str, str, str], Callable[[random.Random], Any]] = {}
        self._wires: dict[tuple[str, str, str], Callable[[random.Random], Any] | None] = {}
        seed_key = hashlib.blake2b(repr(seed).encode(), digest_size=16).digest()  # any int seed, as blake2b's key
        self._ids = hashlib.blake2b(digest_size=8, key=seed_key, person=b"ctk graphql id")

    def id_key(self, id_: str | int) -> int:
        """The key of the object an ``id`` argument fetches: a keyed blake2b of the id's text (the seed is the key),
        stable across processes like ``seed_of``, without its ``repr`` of a tuple."""
        digest = self._ids.copy()
        digest.update(str(id_).encode("utf-8", "surrogatepass"))
        return int.from_bytes(digest.digest(), "big")

    # -- graphql-core entry points ------------------------------------------------------------

    def type_resolver(self, value: Any, info: Info, abstract: GraphQLAbstractType, /) -> str | None:
        return value.type_name if isinstance(value, MockObject) else None

    def field_resolver(self, source: Any, info: Info, /, **args: Any) -> Any:  # `/`: an argument may be named "source"
        parent = source if isinstance(source, MockObject) else None
        if parent is None:  # a root field: the operation type is its parent
            parent = self.root_object(info.parent_type.name, info.operation.operation.value == "mutation")
        return self.resolve(parent, info.field_name, info.return_type, args, root_field(info),
                            lambda: fragment_types(info.field_nodes, info.fragments))  # fmt: skip

    def root_object(self, type_name: str, mutation: bool) -> MockObject:
        """The parent of a root field: the operation type, keyed by its name."""
        key = self._root_keys.get(type_name)
        if key is None:
            key = self._root_keys[type_name] = seed_of(self.seed, (type_name,))
        return MockObject(key, type_name, passes=mutation)

    def resolve(
        self,
        parent: MockObject,
        name: str,
        return_type: GraphQLOutputType,
        args: dict[str, Any],
        root: bool,
        wanted: Callable[[], Collection[str]],
    ) -> Any:
        """The value of field ``name`` on ``parent``: what ``field_resolver`` answers, without graphql-core's
        resolve info (a compiled plan knows the field, its type and the fragment types under it beforehand);
        ``wanted()``: the type conditions of the fragments directly under the field."""
        if parent.item is not None or parent.connection is not None:
            special = self._connection_part(parent, name, return_type, wanted)
            if special is not _NONE:
                return special
        # a leaf is keyed by its place unfinalised (``streams``: it draws from ``Stream(key)``), an object or a list
        # by the finaliser of it (its children are keyed under it)
        named = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
        place = step if isinstance(named, GraphQLScalarType | GraphQLEnumType) else mix
        key = self._keyed(parent.key, name, args, place)
        echo = _echo_of(args, self.limits.max_echo_length) if args else {}
        if name in parent.echo:
            inherited = parent.echo[name]
            if isinstance(inherited, dict):
                echo = {**inherited, **echo}
            else:
                echo.setdefault(name, inherited)
        elif parent.passes and not root and not _is_list(return_type):
            echo = {**parent.echo, **echo}  # the resource a mutation's payload holds repeats the input
        if parent.passes and name in _PAYLOAD_ERRORS and _is_list(return_type) and not root:
            return []  # a mutation that succeeded reports no user errors
        ctx = _Context(wanted, name, parent, args, echo, root)
        return self._value(return_type, key, ctx, nullable_ok=not root)

    def leaf_parts(
        self, name: str, type_: GraphQLOutputType, owner: str, root: bool
    ) -> tuple[int, bool, Callable[[random.Random], Any], bool] | None:
        """``resolve`` for a scalar or enum field without arguments on an object of type ``owner`` whose parent
        repeats nothing (``plain``), decided now: (``step``, whether the value may be null, its maker, whether the
        maker's values are the answer's as they are: ``values.wire_maker``); None for other fields. The value is
        ``resolve``'s: the leaf's stream ``Stream(parent.key + step)`` (``streams.step``), one draw of 1 in
        ``NULL_ODDS`` for a null if it may be null (``Stream.below``), then ``make(rng)``."""
        named = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        if not isinstance(named, GraphQLScalarType | GraphQLEnumType):
            return None
        may_be_null = not root and named is type_ and not filled_kind(name)
        wire = self.wire_maker(named, name, owner)
        make = wire if wire is not None else self.maker(named, name, owner)
        return (name_code(name) + 1) * GOLDEN, may_be_null, make, wire is not None

    def producer(
        self,
        name: str,
        type_: GraphQLOutputType,
        owner: str,
        root: bool,
        args: dict[str, Any],
        wanted: Callable[[], Collection[str]],
    ) -> tuple[Callable[[int], Any], bool, ListParts | None] | None:
        """``resolve`` decided now for field ``name``, with the constant arguments ``args``, of an object of type
        ``owner`` that is plain (``plain``): (``produce``, ``exact``, a list's ``ListParts``), where
        ``produce(parent.key)`` returns what ``resolve(parent, ...)`` returns — ``_value``'s steps for this type written
        out, with the key, what is repeated and the list size fixed here — and ``exact``: its values are the answer's as
        they are (a list of leaves whose makers are ``wire_maker``'s). For an object field or a list of leaves or of
        objects; None for the rest (leaves: ``leaf_parts``; abstract types, connections, lists of lists), which
        ``resolve`` answers."""
        named = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        listed = isinstance(named, GraphQLList)
        inner = named.of_type if isinstance(named, GraphQLList) else named
        item = inner.of_type if isinstance(inner, GraphQLNonNull) else inner
        leaves = isinstance(item, GraphQLScalarType | GraphQLEnumType)
        if leaves and not listed:
            return None  # a leaf
        if not leaves and (not isinstance(item, GraphQLObjectType) or _is_connection(item)):
            return None  # a list of lists, an abstract type or a connection
        key_of = self._key_of(name, args)
        echo = _echo_of(args, self.limits.max_echo_length)  # shared by the objects made: MockObject.echo is read
        may_be_null = not root and named is type_ and not echo and not filled_kind(name)
        type_name = item.name
        if not listed:

            def produce_object(parent: int) -> Any:
                key = key_of(parent)
                if may_be_null and stream(key).below(NULL_ODDS) == 0:
                    return None
                return MockObject(key, type_name, echo)

            return produce_object, False, None
        # the parent stands for any plain one of its type: nothing to repeat, not a mutation's payload
        asked = self._asked(_Context(wanted, name, MockObject(0, owner), args, echo, root))
        largest = min(DEFAULT_LIST, self.largest)
        items_may_be_null = item is inner and not echo and not filled_kind(name)

        def size_of(key: int) -> int | None:  # None: the list is null
            rng = None
            if may_be_null:
                rng = stream(key)
                if rng.below(NULL_ODDS) == 0:
                    return None
            if asked is not None:
                return asked
            return _size_below(rng if rng is not None else stream(key), largest)

        if not leaves:

            def produce_objects(parent: int) -> Any:
                key = key_of(parent)
                size = size_of(key)
                if size is None:
                    return None
                out: list[MockObject | None] = []
                for index in range(size):
                    item_key = mix(key, index)
                    if items_may_be_null and stream(item_key).below(NULL_ODDS) == 0:
                        out.append(None)
                    else:
                        out.append(MockObject(item_key, type_name, echo))
                return out

            return produce_objects, False, ListParts(key_of, size_of, items_may_be_null, type_name, echo, None)
        assert isinstance(item, GraphQLScalarType | GraphQLEnumType)
        wire = self.wire_maker(item, name, owner)
        make = wire if wire is not None else self.maker(item, name, owner)

        def produce_leaves(parent: int) -> Any:
            key = key_of(parent)
            size = size_of(key)
            if size is None:
                return None
            out: list[Any] = []
            rng = Stream()  # reseeded for each item: its own stream, ``Stream(leaf_item(key, index))``
            for index in range(size):
                rng.state = (key + (index + 1) * ITEM_STRIDE) & MASK  # ``leaf_item(key, index)``
                rng.half = -1
                out.append(None if items_may_be_null and rng.below(NULL_ODDS) == 0 else make(rng))
            return out

        return produce_leaves, wire is not None, ListParts(key_of, size_of, items_may_be_null, type_name, echo, make)

    def _keyed(self, parent: int, name: str, args: dict[str, Any], place: Callable[[int, int], int] = mix) -> int:
        """The key of field ``name``'s value with ``args`` under the key ``parent``: ``place(parent, code)``, or by an
        identifying argument."""
        if args:
            id_ = args.get("id")
            if isinstance(id_, str | int) and not isinstance(id_, bool):
                return self.id_key(id_)  # one object per id, wherever it is fetched
            identity = tuple(sorted((k, repr(v)) for k, v in args.items()
                                    if not is_size_argument(k) and k not in _CURSOR_ARGS))  # fmt: skip
            if identity:
                return seed_of(self.seed, (parent, name, identity))
        # no identifying argument (only sizes and cursors): the same value as without arguments
        return place(parent, name_code(name))

    def dynamic_producer(
        self, name: str, type_: GraphQLOutputType, owner: str, root: bool
    ) -> Callable[[int, dict[str, Any]], Any] | None:
        """``producer`` for an object field, or a list of objects or leaves, whose arguments change per request:
        ``produce(parent.key, args)``; None for other types (``resolve`` answers them)."""
        named = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        if isinstance(named, GraphQLList):
            return self._dynamic_list(name, type_, named, owner, root)
        if not isinstance(named, GraphQLObjectType) or _is_connection(named):
            return None
        may_be_null = not root and named is type_ and not filled_kind(name)
        type_name = named.name
        keyed = self._keyed
        longest = self.limits.max_echo_length

        def produce(parent: int, args: dict[str, Any]) -> Any:
            key = keyed(parent, name, args)
            echo = _echo_of(args, longest) if args else {}
            if may_be_null and not echo and stream(key).below(NULL_ODDS) == 0:
                return None
            return MockObject(key, type_name, echo)

        return produce

    def _dynamic_list(
        self, name: str, type_: GraphQLOutputType, listed: GraphQLList[Any], owner: str, root: bool
    ) -> Callable[[int, dict[str, Any]], Any] | None:
        """``dynamic_producer`` for a list of plain objects or of leaves: ``resolve``'s ``_value`` and ``_items`` for
        it, with what depends on the type alone decided now (its items' values are completed as ``resolve``'s are)."""
        started = self.dynamic_items(name, type_, owner, root, listed)
        if started is None:
            return None
        start, type_name, make = started

        def produce(parent: int, args: dict[str, Any]) -> Any:
            begun = start(parent, args)
            if begun is None:
                return None
            key, size, echo, nulls = begun
            out: list[Any] = []
            if make is not None:
                for index in range(size):
                    leaf = Stream(leaf_item(key, index))
                    out.append(None if nulls and leaf.below(NULL_ODDS) == 0 else make(leaf))
                return out
            for index in range(size):
                item_key = mix(key, index)
                if nulls and stream(item_key).below(NULL_ODDS) == 0:
                    out.append(None)
                else:
                    out.append(MockObject(item_key, type_name, dict(echo)))
            return out

        return produce

    def dynamic_items(
        self, name: str, type_: GraphQLOutputType, owner: str, root: bool, listed: GraphQLList[Any] | None = None
    ) -> tuple[DynamicStart, str, Callable[[random.Random], Any] | None] | None:
        """A list field of plain objects or leaves whose arguments change per request, in parts: (``start``, the
        item type's name, a leaf's maker or None), where ``start(parent.key, args)`` is None for a null list, else the
        list's (key, size, what its objects repeat, whether an item may be null); its items are those of
        ``ListParts``. None for other types."""
        if listed is None:
            named = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
            if not isinstance(named, GraphQLList):
                return None
            listed = named
        inner = listed.of_type
        item = inner.of_type if isinstance(inner, GraphQLNonNull) else inner
        leaves = isinstance(item, GraphQLScalarType | GraphQLEnumType)
        if not leaves and (not isinstance(item, GraphQLObjectType) or _is_connection(item)):
            return None  # a list of lists, of an abstract type or of connections
        may_be_null = not root and listed is type_ and not filled_kind(name)
        items_may_be_null = item is inner and not filled_kind(name)
        make = self.maker(item, name, owner) if isinstance(item, GraphQLScalarType | GraphQLEnumType) else None
        keyed = self._keyed
        longest = self.limits.max_echo_length
        largest = self.largest
        default = min(DEFAULT_LIST, largest)

        def start(parent: int, args: dict[str, Any]) -> tuple[int, int, dict[str, Any], bool] | None:
            key = keyed(parent, name, args)
            echo = _echo_of(args, longest) if args else {}
            rng = None
            if may_be_null and not echo:
                rng = stream(key)
                if rng.below(NULL_ODDS) == 0:
                    return None
            size = None
            for argument, value in args.items():  # ``_asked``
                if is_size_argument(argument) and isinstance(value, int) and not isinstance(value, bool):
                    size = max(0, min(value, largest))
                    break
            if size is None:
                size = _size_below(rng if rng is not None else stream(key), default)
            return key, size, echo, items_may_be_null and not echo

        return start, item.name, make

    def _key_of(self, name: str, args: dict[str, Any]) -> Callable[[int], int]:
        """``resolve``'s key for an object or a list at field ``name`` with the constant ``args``, by its parent's."""
        code = name_code(name)
        id_ = args.get("id")
        if isinstance(id_, str | int) and not isinstance(id_, bool):
            known = self.id_key(id_)
            return lambda parent: known
        identity = tuple(sorted((k, repr(v)) for k, v in args.items()
                                if not is_size_argument(k) and k not in _CURSOR_ARGS))  # fmt: skip
        if identity:
            seed = self.seed
            return lambda parent: seed_of(seed, (parent, name, identity))
        return lambda parent: mix(parent, code)

    def wire_maker(
        self, leaf: GraphQLScalarType | GraphQLEnumType, field: str, owner: str
    ) -> Callable[[random.Random], Any] | None:
        """``values.wire_maker``, kept per (type, field, owner) beside ``maker``."""
        key = (leaf.name, field, owner)
        if key not in self._wires:
            self._wires[key] = wire_maker(leaf, self.fake, field, owner)
        return self._wires[key]

    def maker(
        self, leaf: GraphQLScalarType | GraphQLEnumType, field: str, owner: str
    ) -> Callable[[random.Random], Any]:
        """``values.leaf_maker``, kept per (type, field, owner): a schema has a few thousand at most."""
        key = (leaf.name, field, owner)
        found = self._makers.get(key)
        if found is None:
            found = self._makers[key] = leaf_maker(leaf, self.fake, field, owner)
        return found

    @staticmethod
    def plain(parent: MockObject, name: str) -> bool:
        """Whether ``leaf_parts``' shortcut holds for field ``name`` of ``parent``: not part of a connection,
        not a mutation's payload, and nothing of that name to repeat."""
        return parent.item is None and parent.connection is None and not parent.passes and name not in parent.echo

    # -- values ------------------------------------------------------------------------------------

    def _value(self, type_: GraphQLOutputType, key: int, ctx: _Context, *, nullable_ok: bool, level: int = 0) -> Any:
        """A value of ``type_``; ``level``: how many lists of this field's value enclose it."""
        if isinstance(type_, GraphQLNonNull):
            return self._value(type_.of_type, key, ctx, nullable_ok=False, level=level)
        if ctx.name in ctx.parent.echo and fits(type_, ctx.parent.echo[ctx.name]):
            return ctx.parent.echo[ctx.name]
        # the value's random stream, made at its first draw (seeding a Random costs microseconds; a non-null
        # object or a list of the size asked for draws nothing): the same stream, so the same values
        rng = None
        leaf = isinstance(type_, GraphQLScalarType | GraphQLEnumType)
        if nullable_ok and not ctx.echo and not filled_kind(ctx.name):  # a name, email, amount...: never null
            rng = Stream(key) if leaf else stream(key)  # a leaf's own stream (``streams``), an object's
            if rng.below(NULL_ODDS) == 0:
                return None
        if isinstance(type_, GraphQLList):
            if level == 0:
                size = self._asked(ctx)
                if size is None:
                    if rng is None:
                        rng = stream(key)
                    size = _size_below(rng, min(DEFAULT_LIST, self.largest))
                    asked = DEFAULT_LIST
                else:
                    asked = size or DEFAULT_LIST
                inner = type_.of_type
                if isinstance(inner, GraphQLNonNull):
                    inner = inner.of_type
                if isinstance(inner, GraphQLList):  # only a list of lists reads how many levels are filled
                    ctx.filled = filled_levels(self.limits, asked)
            elif level >= ctx.filled:
                return []  # past the levels the mock fills: an empty list is valid for any list type
            else:
                if rng is None:
                    rng = stream(key)
                size = _size_below(rng, DEFAULT_LIST)
            if level == 0 and self.fast_items:
                return self._items(type_.of_type, key, ctx, size)
            item = type_.of_type.of_type if isinstance(type_.of_type, GraphQLNonNull) else type_.of_type
            place = leaf_item if isinstance(item, GraphQLScalarType | GraphQLEnumType) else mix
            return [self._value(type_.of_type, place(key, index), ctx, nullable_ok=True,
                                level=level + 1) for index in range(size)]  # fmt: skip
        if isinstance(type_, GraphQLScalarType | GraphQLEnumType):
            return self.maker(type_, ctx.name, ctx.parent.type_name)(rng if rng is not None else Stream(key))
        concrete = (
            type_
            if isinstance(type_, GraphQLObjectType)
            else self._concrete(type_, ctx, rng if rng is not None else stream(key))
        )
        if concrete is None:
            return None
        made = MockObject(key, concrete.name, dict(ctx.echo), passes=ctx.root and ctx.parent.passes)
        if _is_connection(concrete):
            if rng is None:
                rng = stream(key)
            offset = _offset(ctx.args)
            size = self._size(ctx, rng)
            total = max(offset + size, size + rng.below(41))
            made.connection = (offset, size, total)
        return made

    def _items(self, item: GraphQLOutputType, key: int, ctx: _Context, size: int) -> list[Any]:
        """The items of a field's list: ``_value`` of each (keyed ``leaf_item(key, index)`` if a leaf, else
        ``mix(key, index)``; nullable, level 1), with what is the same for every item decided once, for items that are
        scalars, enums or plain objects (not connections); others item by item (tests/graphql/test_plan_speed.py holds
        both equal)."""
        named = item.of_type if isinstance(item, GraphQLNonNull) else item
        nullable = named is item
        may_be_null = nullable and not ctx.echo and not filled_kind(ctx.name)
        out: list[Any] = []
        append = out.append
        if isinstance(named, GraphQLScalarType | GraphQLEnumType) and ctx.name not in ctx.parent.echo:
            make = self.maker(named, ctx.name, ctx.parent.type_name)
            for index in range(size):
                rng = Stream(leaf_item(key, index))
                append(None if may_be_null and rng.below(NULL_ODDS) == 0 else make(rng))
            return out
        if isinstance(named, GraphQLObjectType) and not _is_connection(named):
            name = named.name
            passes = ctx.root and ctx.parent.passes
            echo = ctx.echo
            for index in range(size):
                item_key = mix(key, index)
                if may_be_null and stream(item_key).below(NULL_ODDS) == 0:
                    append(None)
                else:
                    append(MockObject(item_key, name, dict(echo), passes=passes))
            return out
        place = leaf_item if isinstance(named, GraphQLScalarType | GraphQLEnumType) else mix
        return [self._value(item, place(key, index), ctx, nullable_ok=True, level=1) for index in range(size)]

    def _size(self, ctx: _Context, rng: Stream) -> int:
        asked = self._asked(ctx)
        return asked if asked is not None else _size_below(rng, min(DEFAULT_LIST, self.largest))

    def _asked(self, ctx: _Context) -> int | None:
        """The list size the field's arguments ask for (``first: 5``, or the argument's default), capped."""
        for name, value in ctx.args.items():
            if is_size_argument(name) and isinstance(value, int) and not isinstance(value, bool):
                return max(0, min(value, self.largest))
        return None

    def _concrete(self, type_: Any, ctx: _Context, rng: Stream) -> GraphQLObjectType | None:
        if isinstance(type_, GraphQLObjectType):
            return type_
        if not isinstance(type_, GraphQLInterfaceType | GraphQLUnionType):
            return None
        possible: list[GraphQLObjectType] = list(self.schema.get_possible_types(type_))
        if not possible:
            return None
        # Prefer a type the query has a fragment for: a client asking `... on Product` wants to see one.
        wanted = ctx.wanted()
        preferred = [t for t in possible if t.name in wanted] or possible
        return preferred[rng.below(len(preferred))]

    # -- Relay connections --------------------------------------------------------------------------

    def _connection_part(
        self, parent: MockObject, name: str, return_type: GraphQLOutputType, wanted: Callable[[], Collection[str]]
    ) -> Any:
        if parent.item is not None and name == "node":
            node_key = mix(mix(parent.key, ITEM), parent.item)  # the same object as nodes[item]
            return MockObject(node_key, _named(return_type, self, wanted))
        if parent.item is not None and name == "cursor":
            return _cursor(parent.item)
        page = parent.connection
        if page is None:
            return _NONE
        offset, size, total = page
        if name in ("edges", "nodes") and _is_list(return_type):
            indexes = range(offset, offset + size)
            if name == "edges":
                edge = _named(return_type, self, wanted)
                edges = mix(parent.key, EDGE)
                return [MockObject(mix(edges, i), edge, item=i) for i in indexes]
            node = _named(return_type, self, wanted)
            items = mix(parent.key, ITEM)
            return [MockObject(mix(items, i), node) for i in indexes]
        if name == "totalCount":
            return min(total, INT_MAX)
        if name == "pageInfo":
            return MockObject(parent.key, _named(return_type, self, wanted), connection=page)
        if parent.type_name.endswith("PageInfo") or name in ("hasNextPage", "hasPreviousPage"):
            return _page_info(name, offset, size, total)
        return _NONE


def _size_below(rng: Stream, largest: int) -> int:
    """A list's size from 1 to ``largest`` (one ``Stream.below`` draw)."""
    if largest < 1:
        raise ValueError("no list size below 1")  # a limit of 0 items: the field fails, as ``randint(1, 0)`` did
    return 1 + rng.below(largest)


def root_field(info: Info) -> bool:
    schema = info.schema
    return info.parent_type in (schema.query_type, schema.mutation_type, schema.subscription_type)


@dataclass(slots=True)
class _Context:
    wanted: Callable[[], Collection[str]]
    name: str
    parent: MockObject
    args: dict[str, Any]
    echo: dict[str, Any]
    root: bool
    filled: int = 1  # levels of this field's list of lists that are filled (set at its outer list)


_NONE: Any = object()


def _page_info(name: str, offset: int, size: int, total: int) -> Any:
    if name == "hasNextPage":
        return offset + size < total
    if name == "hasPreviousPage":
        return offset > 0
    if name == "startCursor":
        return _cursor(offset) if size else None
    if name == "endCursor":
        return _cursor(offset + size - 1) if size else None
    return _NONE


def _cursor(index: int) -> str:
    return base64.b64encode(f"{_CURSOR_PREFIX}{index}".encode()).decode()


def _offset(args: dict[str, Any]) -> int:
    """Where a page starts: after the item an ``after`` cursor (one of ours) names; 0 otherwise."""
    after = args.get("after")
    if isinstance(after, str):
        try:
            text = base64.b64decode(after.encode(), validate=True).decode()
        except ValueError:
            return 0
        if text.startswith(_CURSOR_PREFIX) and text[len(_CURSOR_PREFIX) :].isdigit():
            return min(int(text[len(_CURSOR_PREFIX) :]) + 1, 10**6)
    return 0


def _named(type_: Any, resolvers: Resolvers, wanted: Callable[[], Collection[str]]) -> str:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    if isinstance(type_, GraphQLInterfaceType | GraphQLUnionType):
        possible = resolvers.schema.get_possible_types(type_)
        conditions = wanted()
        chosen = [t for t in possible if t.name in conditions] or list(possible)
        return chosen[0].name if chosen else type_.name
    return str(type_.name)


def _is_list(type_: Any) -> bool:
    return isinstance(type_.of_type if isinstance(type_, GraphQLNonNull) else type_, GraphQLList)


def _is_connection(type_: GraphQLObjectType) -> bool:
    fields = type_.fields
    return ("edges" in fields or "nodes" in fields) and ("pageInfo" in fields or "totalCount" in fields)


def fragment_types(field_nodes: Sequence[FieldNode], fragments: Mapping[str, FragmentDefinitionNode]) -> set[str]:
    """Type conditions of the fragments directly under the field being resolved."""
    names: set[str] = set()
    for node in field_nodes:
        _conditions(node.selection_set, fragments, names, set())
    return names


def _conditions(
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    out: set[str],
    seen: set[str],
) -> None:
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, InlineFragmentNode) and selection.type_condition:
            out.add(selection.type_condition.name.value)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            seen.add(selection.name.value)
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                out.add(fragment.type_condition.name.value)
                _conditions(fragment.selection_set, fragments, out, seen)


def _echo_of(args: dict[str, Any], longest: int) -> dict[str, Any]:
    """What an object repeats from its field's arguments: each argument, and an input object's fields; a value
    larger than ``longest`` characters is not repeated (a 1 MB variable echoed by 200 aliases was a 200 MB answer)."""
    echo: dict[str, Any] = {}
    for name, value in args.items():
        if not echo_fits(value, longest):
            continue
        if isinstance(value, dict):
            echo.update(value)
        echo[name] = value
    return echo


def fits(type_: Any, value: Any) -> bool:
    """Whether an echoed argument value is a valid value of the output type it would fill."""
    if isinstance(type_, GraphQLNonNull):
        return value is not None and fits(type_.of_type, value)
    if value is None:
        return False  # an explicit null argument says nothing about the resource: generate instead
    if isinstance(type_, GraphQLList):
        return isinstance(value, list) and all(v is not None and fits(type_.of_type, v) for v in value)
    if isinstance(type_, GraphQLEnumType):
        return any(member.value == value for member in type_.values.values())
    if isinstance(type_, GraphQLScalarType):
        if type_.name == "Int":
            return isinstance(value, int) and not isinstance(value, bool) and INT_MIN <= value <= INT_MAX
        if type_.name == "Float":
            return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        if type_.name in ("String", "ID"):
            return isinstance(value, str)
        if type_.name == "Boolean":
            return isinstance(value, bool)
        if isinstance(value, dict | list):
            return "json" in type_.name.lower() and _writable(value, _ECHO_NESTING)
        return _writable(value, 0)
    return False


def _writable(value: Any, depth: int) -> bool:
    """Whether a custom scalar's echoed value can be written as JSON: floats finite (an inf from ``1e400`` cannot),
    nesting within the bound the request's own was checked against."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict | list):
        items = value.values() if isinstance(value, dict) else value
        return depth > 0 and all(_writable(item, depth - 1) for item in items)
    return True
