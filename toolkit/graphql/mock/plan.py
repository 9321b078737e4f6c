"""A compiled execution plan per operation: graphql-core's execution, specialised once per document.

graphql-core's ``execute`` spends most of an answer on generic work done again for every field of every
request: collecting the selection for each object, finding the field's definition, building a resolve
info, reading arguments, completing the value through the type's wrappers. For one document all of that
is fixed, so a ``Plan`` decides it once: per selection set and object type, the response keys in order,
each with its field, its arguments (constant, or read from the variables), the type conditions of the
fragments under it, and a completer (non-null, list, leaf, object, abstract) built for its type. The
values are still the mock's resolvers' (``Resolvers.resolve``, the function ``field_resolver`` calls),
so a plan answers exactly what ``execute`` would; where the object is plain (not part of a connection,
not a mutation's payload) the resolvers' steps for a field are decided once too: a leaf's maker and its
stream's key (``Resolvers.leaf_parts``; one-draw makers, ``values.Drawn``, drawn inline in the object
loop, values as the answer carries them skip completion), an object or a list's producer
(``Resolvers.producer``, ``dynamic_producer``), a repeated argument, and the variables and arguments read
without graphql-core's general coercion when they need none (``inputs``).

A plan covers the common case only and says so: a document with directives (``@skip``/``@include``,
``@defer``), introspection fields, fragment variables, or fields with their own resolvers is not
planned (``compile_plan`` returns None); and at run time anything graphql-core would report as an error
(a null in a non-null position, a value its type cannot serialise, a resolver raising, arguments that do
not coerce) raises ``Fallback``, and the caller runs ``execute``, which answers it with its own errors.
Sub-selections are compiled when first reached, so the work done is bounded by the values produced (which
the cost limit bounds), not by the expansion of the document's fragments.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Collection, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    Undefined,
    get_argument_values,
    specified_scalar_types,
)
from graphql.execution.values import VariableValues

from toolkit.graphql.mock.fallback import Fallback
from toolkit.graphql.mock.inputs import Arguments, Variables, has_variable
from toolkit.graphql.mock.json_text import encode_string, json_text, scalar_text
from toolkit.graphql.mock.plan_source import object_writer
from toolkit.graphql.mock.resolve import (
    NULL_ODDS,
    DynamicStart,
    ListParts,
    MockObject,
    Resolvers,
    fits,
    fragment_types,
)
from toolkit.graphql.mock.streams import GOLDEN, MASK, Stream
from toolkit.graphql.mock.values import Drawn

_Complete = Callable[[Any, Any], Any]  # (value, variables) -> the completed value
_Write = Callable[[Any, Any], str]  # (value, variables) -> the completed value's JSON text (``json_text``)
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_MAX_FIELDS = 20_000  # field plans one plan may build (lazily, as values are produced): past it, execute instead
GENERATE_AT = 2  # a plan's writers are generated in its run of this number (``plan_source``): never for a one-off


class _NotPlanned(Exception):  # noqa: N818
    """The document uses something a plan does not cover (raised while compiling)."""


class Plan:
    """One operation of one document, compiled for the mock's resolvers. Thread-safe: lazily compiled parts are
    assigned whole (two threads compiling the same part build equal ones)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        resolvers: Resolvers,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
        root: GraphQLObjectType,
    ) -> None:
        self.schema = schema
        self.resolvers = resolvers
        self.operation = operation
        self.fragments = fragments
        self.root = root
        self.mutation = operation.operation is OperationType.MUTATION
        self.built = 0
        self.roots = (schema.query_type, schema.mutation_type, schema.subscription_type)
        # what its compiled parts (``_Object``, ``_Abstract``) reach the plan by: the plan holds its fields, which
        # hold the parts' ``complete``; a strong reference back would make every plan a cycle that only the garbage
        # collector frees (every evicted or one-off plan), walked at each collection until then. A plan runs only
        # while held (the handler's cache or its caller), so the proxy always finds it.
        self._parts_view: Plan = weakref.proxy(self)
        self.fields = self._collect(root, [operation.selection_set])
        self.variables = Variables(schema, operation.variable_definitions or ())
        self.root_key = resolvers.root_object(root.name, self.mutation).key
        self.typename_text = encode_string(root.name)
        self.generated = 0  # fields written by generated code (``plan_source``): at most ``GENERATED_FIELDS``
        self.runs = 0  # answers written (``text``): writers are generated from the ``GENERATE_AT``-th on

    def run(self, variables: VariableValues) -> dict[str, Any]:
        """The answer's ``data``; raises ``Fallback`` where ``execute`` would report an error."""
        try:
            out: dict[str, Any] = {}
            root_name = self.root.name
            root_key = self.root_key
            plain = not self.mutation  # a query's root is plain (``Resolvers.plain``), a mutation's passes its input
            for key, field in self.fields:
                if field is None:
                    out[key] = root_name
                    continue
                out[key] = field.complete(self._root_value(field, variables, root_name, root_key, plain), variables)
            return out
        except Fallback:
            raise
        except Exception as failure:  # a resolver or a coercion raised: execute reports it as graphql-core does
            raise Fallback from failure

    def _root_value(self, field: _Field, variables: Any, root_name: str, root_key: Any, plain: bool) -> Any:
        """A root field's value before completion (``run`` completes it, ``text`` writes it): its producer's where the
        root is plain, else the resolvers'."""
        if plain and field.produce is not None:
            return field.produce(root_key)
        args = field.arguments(variables) if field.dynamic else field.args
        if plain and field.produce_with is not None:
            return field.produce_with(root_key, args)
        source = self.resolvers.root_object(root_name, self.mutation)
        return self.resolvers.resolve(source, field.name, field.type, args, field.root, field.wanted)

    def text(self, variables: VariableValues, renamed: Mapping[str, str] | None = None) -> str:
        """``run``'s ``data`` as the JSON text the mock's encoder writes of it (``json_text``), written value by value
        (each object type's writer generated once it is used again: ``plan_source``), without the dictionaries;
        ``renamed``: response keys of the root to write under other names (``shapes.renamed``'s, the same order
        and merging). Raises ``Fallback`` where ``run`` does."""
        self.runs += 1
        try:
            texts: dict[str, str] = {}
            root_name = self.root.name
            root_key = self.root_key
            plain = not self.mutation
            for key, field in self.fields:
                if field is None:
                    texts[key] = self.typename_text
                    continue
                texts[key] = field.write(self._root_value(field, variables, root_name, root_key, plain), variables)
            if renamed:
                texts = {renamed.get(key, key): text for key, text in texts.items()}
            return "{" + ",".join([encode_string(key) + ":" + text for key, text in texts.items()]) + "}"
        except Fallback:
            raise
        except Exception as failure:  # as ``run``
            raise Fallback from failure

    # -- compiling ---------------------------------------------------------------------------------------

    def _collect(
        self, parent: GraphQLObjectType, selection_sets: list[SelectionSetNode]
    ) -> tuple[tuple[str, _Field | None], ...]:
        """The response keys of ``selection_sets`` on an object of type ``parent``, in graphql-core's order
        (``collect_fields`` without directives), each with its compiled field (None: ``__typename``)."""
        grouped: dict[str, list[FieldNode]] = {}
        visited: set[str] = set()
        for selection_set in selection_sets:
            self._visit(parent, selection_set, grouped, visited)
        out: list[tuple[str, _Field | None]] = []
        for key, nodes in grouped.items():
            name = nodes[0].name.value
            if name == "__typename":
                out.append((key, None))
                continue
            if name.startswith("__"):
                raise _NotPlanned("introspection")
            definition = parent.fields.get(name)
            if definition is None:
                raise _NotPlanned("unknown field")
            out.append((key, self._field(parent, name, definition, nodes)))
        return tuple(out)

    def _visit(
        self, parent: GraphQLObjectType, selection_set: SelectionSetNode, grouped: dict[str, list[FieldNode]],
        visited: set[str],
    ) -> None:  # fmt: skip
        for selection in selection_set.selections:
            if selection.directives:
                raise _NotPlanned("directives")
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                grouped.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                if self._matches(selection.type_condition.name.value if selection.type_condition else None, parent):
                    self._visit(parent, selection.selection_set, grouped, visited)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or not self._matches(fragment.type_condition.name.value, parent):
                    continue
                if fragment.directives or getattr(fragment, "variable_definitions", None):
                    raise _NotPlanned("fragment directives or variables")
                if name in visited:
                    continue
                visited.add(name)
                self._visit(parent, fragment.selection_set, grouped, visited)
            else:  # pragma: no cover - the parser makes no other selection
                raise _NotPlanned("selection")

    def _matches(self, condition: str | None, parent: GraphQLObjectType) -> bool:
        if condition is None:
            return True
        conditional = self.schema.get_type(condition)
        if conditional is parent:
            return True
        if isinstance(conditional, GraphQLInterfaceType | GraphQLUnionType):
            return self.schema.is_sub_type(conditional, parent)
        return False

    def _field(self, parent: GraphQLObjectType, name: str, definition: GraphQLField, nodes: list[FieldNode]) -> _Field:
        if definition.resolve is not None:
            raise _NotPlanned("a field with its own resolver")
        self.built += 1
        if self.built > _MAX_FIELDS:
            raise Fallback("too many fields to plan")
        node = nodes[0]
        variable_args = any(has_variable(argument.value) for argument in node.arguments or ())
        args: dict[str, Any] = {}
        if not variable_args and (definition.args or node.arguments):
            args = get_argument_values(definition, node)  # constant: the same for every request
        conditions = frozenset(fragment_types(nodes, self.fragments))
        complete, write, target = self._completer(definition.type, nodes)
        root = parent in self.roots  # as ``root_field`` judges it: also a Query-typed field below the root
        field = _Field(name, definition, node, definition.type, args, variable_args, conditions, complete, root)
        field.write = write
        field.target = target
        if variable_args:
            field.arguments = Arguments(definition, node).values
            field.produce_with = self.resolvers.dynamic_producer(name, definition.type, parent.name, root)
            if field.produce_with is not None:
                field.started = self.resolvers.dynamic_items(name, definition.type, parent.name, root)
        else:
            parts = None
            if not args and parent is not self.root:  # at the root: ``resolve`` (an operation's own fields)
                parts = self.resolvers.leaf_parts(name, definition.type, parent.name, root)
            if parts is not None:
                field.step, field.may_be_null, field.make, field.exact = parts
                drawn = field.make
                if field.exact and isinstance(drawn, Drawn):
                    field.below, field.offset, field.table, field.finish = (
                        drawn.n,
                        drawn.offset,
                        drawn.table,
                        drawn.finish,
                    )
            else:
                produced = self.resolvers.producer(name, definition.type, parent.name, root, args, field.wanted)
                if produced is not None:
                    field.produce, field.exact, field.items = produced
        return field

    def _completer(
        self, type_: GraphQLOutputType, nodes: list[FieldNode], non_null: bool = False
    ) -> tuple[_Complete, _Write, _Object | None]:
        """``complete_value`` for ``type_``, one closure per wrapper (a non-null wrapper is folded into what it wraps:
        a null there raises ``Fallback``, graphql-core's error), its twin writing the completed value's JSON text, and
        the ``_Object`` completing the object type it holds (directly or in a list), if it is one."""
        if isinstance(type_, GraphQLNonNull):
            return self._completer(type_.of_type, nodes, non_null=True)
        if isinstance(type_, GraphQLList):
            item, item_text, target = self._completer(type_.of_type, nodes)

            def listed(value: Any, variables: Any) -> Any:
                if value is None:
                    if non_null:
                        raise Fallback("null in a non-null position")
                    return None
                if type(value) is not list:
                    raise Fallback("not a list")
                return [item(entry, variables) for entry in value]

            def listed_text(value: Any, variables: Any) -> str:
                if value is None:
                    if non_null:
                        raise Fallback("null in a non-null position")
                    return "null"
                if type(value) is not list:
                    raise Fallback("not a list")
                return "[" + ",".join([item_text(entry, variables) for entry in value]) + "]"

            return listed, listed_text, target
        if isinstance(type_, GraphQLScalarType | GraphQLEnumType):
            leaf = _leaf(type_, non_null)

            def leaf_text(value: Any, variables: Any) -> str:
                return scalar_text(leaf(value, variables))

            return leaf, leaf_text, None
        if isinstance(type_, GraphQLObjectType):
            if type_.is_type_of is not None:
                raise _NotPlanned("is_type_of")
            made = _Object(self._parts_view, type_, nodes, non_null)
            return made.complete, made.write, made
        if isinstance(type_, GraphQLInterfaceType | GraphQLUnionType):
            if type_.resolve_type is not None:
                raise _NotPlanned("resolve_type")
            abstract = _Abstract(self._parts_view, type_, nodes, non_null)
            return abstract.complete, abstract.write, None
        raise _NotPlanned("type")  # pragma: no cover


class _Field:
    __slots__ = ("args", "arguments", "below", "complete", "definition", "dynamic", "exact", "finish", "items", "make",
                 "may_be_null", "name", "named", "node", "offset", "produce", "produce_with", "root", "started", "step",
                 "table", "target", "type", "wanted", "write")  # fmt: skip

    def __init__(
        self,
        name: str,
        definition: GraphQLField,
        node: FieldNode,
        type_: GraphQLOutputType,
        args: dict[str, Any],
        variable_args: bool,
        conditions: frozenset[str],
        complete: _Complete,
        root: bool,
    ) -> None:
        self.name = name
        self.definition = definition
        self.node = node
        self.type = type_
        self.named = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        self.args = args
        self.dynamic = variable_args  # arguments read from the variables, per request
        self.wanted: Callable[[], Collection[str]] = lambda: conditions
        self.complete = complete
        self.write: _Write = lambda value, variables: json_text(complete(value, variables))  # set by the plan
        self.root = root
        # when the parent is plain (``Resolvers.plain``), the value is made without ``resolve``: a scalar or enum
        # field without arguments by ``make`` from its own stream (``Resolvers.leaf_parts``; ``exact``: its values
        # are the answer's as they are, no completion), other fields with constant arguments by ``produce``
        self.step = 0
        self.may_be_null = False
        self.make: Callable[[Any], Any] | None = None
        self.exact = False
        self.produce: Callable[[int], Any] | None = None
        self.items: ListParts | None = None  # ``produce``'s list in its parts (``plan_source`` writes items as made)
        self.target: _Object | None = None  # what completes the object type the field holds, directly or listed
        # arguments read from the variables: read per request (``inputs.Arguments``), an object made by ``produce_with``
        self.arguments: Callable[[VariableValues], dict[str, Any]] = lambda variables: args
        self.produce_with: Callable[[int, dict[str, Any]], Any] | None = None
        # ``produce_with``'s list in its parts (``Resolvers.dynamic_items``: ``plan_source`` writes items as made)
        self.started: tuple[DynamicStart, str, Callable[[Any], Any] | None] | None = None
        # ``make`` is a ``values.Drawn`` whose values are the answer's, drawn inline: ``below`` (0: not one)
        self.below = 0
        self.offset = 0
        self.table: tuple[Any, ...] | None = None
        self.finish: Callable[[int], Any] | None = None


class _Object:
    """Completes a ``MockObject`` of one object type: its sub-selection compiled on first use."""

    def __init__(self, plan: Plan, type_: GraphQLObjectType, nodes: list[FieldNode], non_null: bool = False) -> None:
        self.plan = plan
        self.type = type_
        self.nodes = nodes
        self.non_null = non_null
        self.fields: tuple[tuple[str, _Field | None], ...] | None = None
        # what ``write`` runs once the plan answers again (``GENERATE_AT``): a writer generated for the object
        # (``plan_source``); until then ``complete`` and the encoder, so a one-off document never pays for generating
        self.writer: _Write | None = None
        # the generated writer's plain part by itself: (None, key, echo, variables) for an object a list makes
        self.plain_writer: Callable[[Any, int, dict[str, Any], Any], str] | None = None
        self.tried = False  # generation is tried once, whatever comes of it

    def write(self, value: Any, variables: Any) -> str:
        """``complete``'s value as JSON text (``json_text``)."""
        writer = self.writer
        if writer is not None:
            return writer(value, variables)
        if not self.tried and self.plan.runs >= GENERATE_AT and self.generate() is not None:
            return self.write(value, variables)
        return json_text(self.complete(value, variables))

    def generate(self) -> _Write | None:
        """The writer generated now (``plan_source``), or None where it is refused (``complete`` writes from then on)
        or the object's fields are not compiled yet (only nulls so far); a parent's writer generates its children's to
        write the items of its lists."""
        if self.writer is None and not self.tried and self.fields is not None:
            self.tried = True
            written = object_writer(self)
            if written is not None:
                self.writer, self.plain_writer = written
        return self.writer

    def complete(self, value: Any, variables: Any) -> Any:
        """The object's part of the answer: each response key's value (the compiled ``execute_fields``)."""
        if type(value) is not MockObject:
            if value is None:
                if self.non_null:
                    raise Fallback("null in a non-null position")
                return None
            raise Fallback("not an object")
        fields = self.fields
        if fields is None:
            try:
                fields = self.plan._collect(self.type, [n.selection_set for n in self.nodes if n.selection_set])
            except _NotPlanned as why:
                raise Fallback(str(why)) from why
            self.fields = fields
        source: MockObject = value
        out: dict[str, Any] = {}
        # ``Resolvers.plain``, inline: whether the fields' shortcuts hold for this object
        plain = source.item is None and source.connection is None and not source.passes
        echo = source.echo
        parent = source.key
        rng: Stream | None = None  # made at the first leaf that needs one, reseeded for each: one per object
        for key, field in fields:
            if field is None:
                out[key] = self.type.name
                continue
            if not plain:
                pass  # part of a connection or a mutation's payload: ``resolve``
            elif echo and field.name in echo:
                if field.make is not None:
                    # a leaf the object repeats from its arguments (``product(id: "p1") { id }``): ``resolve`` returns
                    # the repeated value where the type can carry it
                    inherited = echo[field.name]
                    if fits(field.named, inherited):
                        out[key] = field.complete(inherited, variables)
                        continue
            else:
                below = field.below
                if below:
                    # ``make(Stream(parent + step))`` for a ``Drawn`` maker, written out: the stream's first
                    # output ``z``, a null 1 in ``NULL_ODDS`` from its high half if the value may be null
                    # (``Stream.below``), the value from the next half
                    z = (parent + field.step + GOLDEN) & MASK
                    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
                    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
                    z ^= z >> 31
                    if not field.may_be_null:
                        r = ((z >> 32) * below) >> 32
                    elif ((z >> 32) * NULL_ODDS) >> 32:
                        r = ((z & 0xFFFFFFFF) * below) >> 32
                    else:
                        out[key] = None
                        continue
                    table = field.table
                    if table is not None:
                        out[key] = table[r]
                    elif field.finish is None:
                        out[key] = field.offset + r
                    else:
                        out[key] = field.finish(field.offset + r)
                    continue
                make = field.make
                if make is not None:
                    if rng is None:
                        rng = Stream()
                    rng.state = (parent + field.step) & MASK  # the leaf's key, ``step(parent, code)``
                    rng.half = -1
                    if field.may_be_null and rng.below(NULL_ODDS) == 0:
                        out[key] = None
                        continue
                    out[key] = make(rng) if field.exact else field.complete(make(rng), variables)
                    continue
                produce = field.produce
                if produce is not None:
                    out[key] = produce(parent) if field.exact else field.complete(produce(parent), variables)
                    continue
            if field.dynamic:
                args = field.arguments(variables)
                if plain and field.produce_with is not None and (not echo or field.name not in echo):
                    out[key] = field.complete(field.produce_with(parent, args), variables)
                    continue
            else:
                args = field.args
            made = self.plan.resolvers.resolve(source, field.name, field.type, args, field.root, field.wanted)
            out[key] = field.complete(made, variables)
        return out


class _Abstract:
    """Completes an interface or union value: the runtime type the resolvers chose, checked as graphql-core does."""

    def __init__(
        self, plan: Plan, type_: GraphQLInterfaceType | GraphQLUnionType, nodes: list[FieldNode], non_null: bool
    ) -> None:
        self.plan = plan
        self.type = type_
        self.nodes = nodes
        self.non_null = non_null
        self.objects: dict[str, _Object] = {}

    def complete(self, value: Any, variables: Any) -> Any:
        if value is None:
            if self.non_null:
                raise Fallback("null in a non-null position")
            return None
        if type(value) is not MockObject:
            raise Fallback("not an object")
        name = value.type_name
        found = self.objects.get(name)
        if found is None:
            runtime = self.plan.schema.get_type(name)
            if not isinstance(runtime, GraphQLObjectType) or not self.plan.schema.is_sub_type(self.type, runtime):
                raise Fallback("not a possible type")
            if runtime.is_type_of is not None:
                raise Fallback("is_type_of")
            found = self.objects[name] = _Object(self.plan, runtime, self.nodes)
        return found.complete(value, variables)

    def write(self, value: Any, variables: Any) -> str:
        """``complete``'s value as JSON text: the runtime type's own writer."""
        if value is None:
            if self.non_null:
                raise Fallback("null in a non-null position")
            return "null"
        if type(value) is not MockObject:
            raise Fallback("not an object")
        found = self.objects.get(value.type_name)
        if found is None:
            return json_text(self.complete(value, variables))  # checks the runtime type, makes its ``_Object``
        return found.write(value, variables)


def _leaf(type_: GraphQLScalarType | GraphQLEnumType, non_null: bool = False) -> _Complete:
    """A leaf's completion: graphql-core's ``coerce_output_value``, skipped where it is the identity (a str for
    String and ID, an int within 32 bits for Int, a finite float for Float, a bool for Boolean); ``non_null``:
    a null raises ``Fallback`` (graphql-core's error), in the same call."""
    coerce = type_.coerce_output_value
    exact: type | None = {"String": str, "ID": str, "Boolean": bool, "Int": int, "Float": float}.get(type_.name)
    if type_ is not specified_scalar_types.get(type_.name):
        exact = None  # an enum, a custom scalar, or a schema's own String: always coerced

    def leaf(value: Any, variables: Any) -> Any:
        if value is None:
            if non_null:
                raise Fallback("null in a non-null position")
            return None
        kind = type(value)
        if kind is exact and (
            kind is str or kind is bool or (kind is int and _INT_MIN <= value <= _INT_MAX)
            or (kind is float and math.isfinite(value))
        ):  # fmt: skip
            return value
        coerced = coerce(value)
        if coerced is None or coerced is Undefined:
            raise Fallback("a value the type cannot serialise")
        return coerced

    return leaf


def compile_plan(
    schema: GraphQLSchema,
    resolvers: Resolvers,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> Plan | None:
    """The plan of a validated ``operation``, or None when it uses what a plan does not cover."""
    if operation.operation is OperationType.SUBSCRIPTION or operation.directives:
        return None
    root = schema.get_root_type(operation.operation)
    if root is None or root.is_type_of is not None:
        return None
    try:
        return Plan(schema, resolvers, operation, fragments, root)
    except (_NotPlanned, Fallback, RecursionError):
        return None
