"""GraphQL overlays, named examples and hooks: fixed values for a schema's root fields.

::

    [[overlay]]
    operation = "Query.product"                  # a root field: Query.NAME or Mutation.NAME
    args = { id = "p1" }                         # optional: arguments it must be given (after variables; input
                                                 # objects hold the members listed, as REST bodies do)
    headers = { "x-tenant" = "acme" }            # optional: HTTP headers that must be equal
    json = { id = "p1", name = "Widget", price = "9.99", status = "ACTIVE" }   # the field's value, by field name
    # or json_file = "values/p1.json"            # the value from a file under mocks/<api>/ (JSON can say null)
    # or error = "product p1 is archived"        # a GraphQL error for the field (code = "NOT_FOUND" optional)
    # or example = "p1"                          # the named example examples/**/p1.json of this field

``json`` is checked against the field's type at load: objects hold fields of their type (by name, not alias),
values fit their types (built-in scalars and enums exactly; custom scalars any JSON value), non-null fields
are not null, an interface or union value names its type in ``__typename``. It need not hold every field: per
request, the client's selection (aliases, fragments, ``@skip``/``@include``, ``__typename``) is taken from it,
and a selected field it lacks keeps the mock's generated value (null where there is none and the field allows
it; otherwise the overlay cannot answer that selection: the generated answer goes out with a ``ctk-warning``).
``error`` answers the field ``null`` with an ``errors`` entry (``message``, ``locations``, ``path``,
``extensions.code`` when ``code`` is given); on a non-null field ``data`` itself is null, as GraphQL's null
propagation has it.

A named example, ``mocks/<api>/examples/**/<name>.json``, is ``{"operation": "Query.product", "json": {...}}``
(or ``error``), answered when the request says ``Prefer: example=<name>``.

Per request: the document the mock parsed (``GraphQLMock.document``: its cache and limits), its operation,
variables and root fields are read; a root field with an example asked for or a matching overlay is answered
from the envelope (not the inner layers: an overlaid mutation stores nothing in ``state``; the other root
fields of such a request keep the mock's generated values), with the field's value replaced. An answer the
mock refuses (a document that does not validate, variables that do not coerce, a limit) goes out as it is.
Then each root field's hooks see ``answer.json``, the field's value as answered (keyed by response keys), and
may return another value (checked against the selection and types, as above) or an ``error``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
    get_operation_ast,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from graphql.language import get_location

from toolkit.errors import ConfigError
from toolkit.exchange import MockResult, Request, Response
from toolkit.graphql.mock.handler import GraphQLMock
from toolkit.graphql.mock.over_http import Refusal, read_params
from toolkit.graphql.selection import Selection
from toolkit.mock.envelope import MockEnvelope
from toolkit.sandbox.hooks import UNSET, Answer, HookRequest
from toolkit.sandbox.layers import Call, Next
from toolkit.sandbox.overlays.entries import (
    Entry,
    Example,
    check_keys,
    contains,
    did_you_mean,
    example_asked,
    first_values,
    headers_match,
    headers_of,
    string,
    table,
)
from toolkit.sandbox.overlays.hooks import Hook, HookError, Hooks, warned

__all__ = ["GraphQLFixed", "GraphQLOverlay", "GraphQLOverlays", "compile_graphql"]

_OVERLAY_KEYS = ("operation", "args", "headers", "json", "json_file", "error", "code", "example")
_EXAMPLE_KEYS = ("operation", "json", "error", "code", "description")
_INT_RANGE = (-(2**31), 2**31 - 1)


class _MisfitError(ValueError):
    """A value that does not fit its GraphQL type or the selection; ``pointer`` is where, in the value."""

    def __init__(self, message: str, pointer: str = "") -> None:
        super().__init__(message)
        self.pointer = pointer


@dataclass(frozen=True)
class GraphQLFixed:
    """A fixed value for a root field (by field names), or an error."""

    value: Any = None
    error: str | None = None
    code: str | None = None
    where: str = ""


@dataclass(frozen=True)
class GraphQLOverlay:
    operation: str  # Query.product
    answer: GraphQLFixed
    args: Mapping[str, Any] = field(default_factory=dict)
    headers: tuple[tuple[str, str], ...] = ()
    where: str = ""

    def matches(self, request: Request, arguments: Mapping[str, Any]) -> bool:
        return headers_match(request, self.headers) and contains(arguments, dict(self.args))


@dataclass
class _Target:
    key: str
    field: GraphQLField
    nodes: list[FieldNode]
    operation: str
    arguments: dict[str, Any]
    fixed: GraphQLFixed | None
    hooks: tuple[Hook, ...]


class GraphQLOverlays:
    """The overlays layer's work for one GraphQL API. Thread-safe: nothing changes after load."""

    def __init__(
        self,
        envelope: MockEnvelope,
        overlays: tuple[GraphQLOverlay, ...],
        examples: Mapping[tuple[str, str], GraphQLFixed],
        hooks: Hooks,
    ) -> None:
        mock = envelope.mock
        assert isinstance(mock, GraphQLMock)
        self.envelope = envelope
        self.mock = mock
        self.schema = mock.schema
        self.overlays = overlays
        self.examples = dict(examples)
        self.hooks = hooks
        self._fixed_operations = {o.operation for o in overlays} | {operation for operation, _ in self.examples}

    def __call__(self, call: Call, inner: Next) -> MockResult:
        if not self._fixed_operations and not self.hooks:
            return inner(call)
        request = call.request
        read = self._read(request)
        if read is None:
            return inner(call)
        selection, root, fields = read
        example = example_asked(request)
        targets: list[_Target] = []
        for key, nodes in fields.items():
            name = nodes[0].name.value
            root_field = root.fields.get(name)
            if root_field is None:
                continue
            operation = f"{root.name}.{name}"
            hooks = self.hooks.of(operation) if self.hooks else ()
            if operation not in self._fixed_operations and not hooks:
                continue
            try:
                arguments = get_argument_values(root_field, nodes[0], selection.variables)
            except GraphQLError:
                return inner(call)  # arguments the mock refuses: its error answers
            fixed = self.examples.get((operation, example)) if example is not None else None
            if fixed is None:
                overlay = next(
                    (o for o in self.overlays if o.operation == operation and o.matches(request, arguments)), None
                )
                fixed = overlay.answer if overlay is not None else None
            if fixed is not None or hooks:
                targets.append(_Target(key, root_field, nodes, operation, arguments, fixed, hooks))
        if not targets:
            return inner(call)
        fixing = any(target.fixed is not None for target in targets)
        result = self.envelope(request) if fixing else inner(call)
        try:
            body = json.loads(result.response.body)
        except ValueError:
            return result
        data = body.get("data") if isinstance(body, dict) else None
        if result.response.status != 200 or not isinstance(data, dict) or body.get("errors"):
            return result  # the mock refused the request (validation, variables, a limit): its answer stands
        answer = _Answer(dict(data), [], [])
        for target in targets:
            if target.fixed is not None:
                self._fix(selection, target, answer)
            if target.hooks:
                failed = self._hook(call, selection, target, answer)
                if failed is not None:
                    return failed
        document = {**body, "data": answer.data}
        if answer.errors:
            nulled = any(isinstance(t.field.type, GraphQLNonNull) and answer.data.get(t.key) is None for t in targets)
            document = {**body, "errors": answer.errors, "data": None if nulled else answer.data}
        headers = tuple(h for h in result.response.headers if h[0] != "content-length")
        if example is not None and any(
            t.fixed is not None and t.fixed is self.examples.get((t.operation, example)) for t in targets
        ):
            headers = (*headers, ("preference-applied", f"example={example}"))
        text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        response = Response(result.response.status, headers, text.encode("utf-8", "backslashreplace"))
        out = replace(result, response=response, deliveries=() if fixing else result.deliveries)
        return warned(out, *answer.warnings) if answer.warnings else out

    def _read(self, request: Request) -> tuple[Selection, GraphQLObjectType, dict[str, list[FieldNode]]] | None:
        limits = self.mock.options.limits
        params = read_params(request, limits.max_nesting, limits.max_form_fields)
        if isinstance(params, Refusal):
            return None
        document = self.mock.document(params.query)  # the mock's own parse: cached, within its limits
        operation = get_operation_ast(document, params.operation_name) if document is not None else None
        if document is None or operation is None:
            return None
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            return None
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        try:
            variables = get_variable_values(self.schema, operation.variable_definitions or (), params.variables or {})
        except GraphQLError:
            return None
        if not isinstance(variables, VariableValues):
            return None  # variables that do not coerce: the mock answers the error
        selection = Selection(self.schema, fragments, variables)
        return selection, root, selection.collect(operation.selection_set, root)

    def _fix(self, selection: Selection, target: _Target, answer: _Answer) -> None:
        fixed = target.fixed
        assert fixed is not None
        if fixed.error is not None:
            answer.fail(target, fixed.error, fixed.code)
            return
        try:
            answer.data[target.key] = _shape(
                selection, fixed.value, answer.data.get(target.key), target.field.type, target.nodes, by_alias=False
            )
        except _MisfitError as misfit:
            answer.warnings.append(
                f"the overlay at {fixed.where} cannot answer this selection: at {misfit.pointer or '/'}: {misfit}"
            )

    def _hook(self, call: Call, selection: Selection, target: _Target, answer: _Answer) -> MockResult | None:
        request = call.request
        hook_request = HookRequest(
            operation=target.operation,
            method=request.method.upper(),
            path=request.path,
            session=call.session,
            headers=first_values(request.headers),
            body=request.body,
            args=target.arguments,
            variables=dict(selection.variables.coerced),
            key=target.key,
        )
        for hook in target.hooks:
            received = answer.received(target)
            try:
                returned = hook.run(hook_request, received)
            except HookError as error:
                return MockResult(
                    self.envelope.error_response(request, 500, str(error)), operations=(target.operation,)
                )
            if returned is None:
                continue
            if isinstance(returned, str):
                answer.warnings.append(hook.misfit(returned))
                continue
            if returned.error is not None:
                if not isinstance(returned.error, str) or (
                    returned.code is not None and not isinstance(returned.code, str)
                ):
                    answer.warnings.append(hook.misfit("error and code must be strings"))
                    continue
                answer.fail(target, returned.error, returned.code)
                continue
            if returned.json is UNSET or returned.json == received.json:
                continue
            try:
                value = _shape(
                    selection,
                    returned.json,
                    answer.data.get(target.key),
                    target.field.type,
                    target.nodes,
                    by_alias=True,
                )
            except _MisfitError as misfit:
                where = misfit.pointer or "/"
                answer.warnings.append(hook.misfit(f"json does not fit {target.operation}: at {where}: {misfit}"))
                continue
            answer.clear(target)
            answer.data[target.key] = value
        return None


@dataclass
class _Answer:
    """The answer being built: ``data`` by response key, the errors of overlaid fields, the warnings."""

    data: dict[str, Any]
    errors: list[dict[str, Any]]
    warnings: list[str]

    def fail(self, target: _Target, message: str, code: str | None) -> None:
        self.clear(target)
        entry: dict[str, Any] = {"message": message}
        loc = target.nodes[0].loc
        if loc is not None:
            where = get_location(loc.source, loc.start)
            entry["locations"] = [{"line": where.line, "column": where.column}]
        entry["path"] = [target.key]
        if code is not None:
            entry["extensions"] = {"code": code}
        self.errors.append(entry)
        self.data[target.key] = None

    def clear(self, target: _Target) -> None:
        self.errors[:] = [e for e in self.errors if e.get("path") != [target.key]]

    def received(self, target: _Target) -> Answer:
        error = next((e for e in self.errors if e.get("path") == [target.key]), None)
        if error is not None:
            return Answer(
                status=200, json=None, error=error["message"], code=(error.get("extensions") or {}).get("code")
            )
        return Answer(status=200, json=self.data.get(target.key))


def _shape(
    selection: Selection, value: Any, generated: Any, type_: GraphQLOutputType, nodes: list[FieldNode], *,
    by_alias: bool, pointer: str = "",
) -> Any:  # fmt: skip
    """The client's selection of ``nodes`` on ``value`` (keyed by field names, or by response keys when
    ``by_alias``): a selected field ``value`` lacks takes ``generated``'s (the mock's answer, by response keys),
    else null where its type allows; ``_MisfitError`` where a value does not fit its type."""
    if isinstance(type_, GraphQLNonNull):
        shaped = _shape(selection, value, generated, type_.of_type, nodes, by_alias=by_alias, pointer=pointer)
        if shaped is None:
            raise _MisfitError(f"null for the non-null {type_}", pointer)
        return shaped
    if value is None:
        return None
    if isinstance(type_, GraphQLList):
        if not isinstance(value, list):
            raise _MisfitError(f"{_kind(value)} where {type_} needs a list", pointer)
        items = generated if isinstance(generated, list) else []
        return [
            _shape(
                selection,
                item,
                items[i] if i < len(items) else None,
                type_.of_type,
                nodes,
                by_alias=by_alias,
                pointer=f"{pointer}/{i}",
            )
            for i, item in enumerate(value)
        ]
    if isinstance(type_, GraphQLScalarType | GraphQLEnumType):
        problem = _leaf_misfit(type_, value)
        if problem:
            raise _MisfitError(problem, pointer)
        return value
    if not isinstance(value, dict):
        raise _MisfitError(f"{_kind(value)} where {type_} needs an object", pointer)
    concrete = _concrete(selection.schema, type_, value, generated, pointer)
    made = generated if isinstance(generated, dict) else {}
    if made.get("__typename") not in (None, concrete.name):
        made = {}  # the mock answered another member of the interface or union: none of its values fit
    out: dict[str, Any] = {}
    for key, field_nodes in selection.collect(nodes, concrete).items():
        name = field_nodes[0].name.value
        if name == "__typename":
            out[key] = concrete.name
            continue
        sub = concrete.fields.get(name)
        if sub is None:
            raise _MisfitError(f"{concrete.name} has no field {name}", pointer)
        lookup = key if by_alias else name
        place = f"{pointer}/{lookup}"
        if lookup in value:
            out[key] = _shape(selection, value[lookup], made.get(key), sub.type, field_nodes, by_alias=by_alias,
                              pointer=place)  # fmt: skip
        elif key in made:
            out[key] = _shape(selection, made[key], None, sub.type, field_nodes, by_alias=True, pointer=place)
        elif not isinstance(sub.type, GraphQLNonNull):
            out[key] = None
        else:
            raise _MisfitError(f"no value for {concrete.name}.{name}, which is non-null", place)
    return out


def _concrete(
    schema: GraphQLSchema, type_: Any, value: Mapping[str, Any], generated: Any, pointer: str
) -> GraphQLObjectType:
    if isinstance(type_, GraphQLObjectType):
        named = value.get("__typename")
        if named is not None and named != type_.name:
            raise _MisfitError(f"__typename {named!r} where the type is {type_.name}", pointer)
        return type_
    named = value.get("__typename")
    if named is None and isinstance(generated, dict):
        named = generated.get("__typename")
    if not isinstance(named, str):
        raise _MisfitError(
            f"a value of the {type_.name} {_abstract_kind(type_)} must name its type in __typename", pointer
        )
    concrete = schema.get_type(named)
    if not isinstance(concrete, GraphQLObjectType) or not schema.is_sub_type(type_, concrete):
        members = ", ".join(sorted(t.name for t in schema.get_possible_types(type_)))
        raise _MisfitError(f"__typename {named!r} is not a member of {type_.name} ({members})", pointer)
    return concrete


def _leaf_misfit(type_: GraphQLScalarType | GraphQLEnumType, value: Any) -> str | None:
    if isinstance(type_, GraphQLEnumType):
        return None if isinstance(value, str) and value in type_.values else f"{value!r} is not a value of {type_.name}"
    name = type_.name
    if name == "Int":
        ok = isinstance(value, int) and not isinstance(value, bool) and _INT_RANGE[0] <= value <= _INT_RANGE[1]
    elif name == "Float":
        ok = (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and value == value
            and abs(value) != float("inf")
        )
    elif name == "Boolean":
        ok = isinstance(value, bool)
    elif name == "String":
        ok = isinstance(value, str)
    elif name == "ID":
        ok = isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))
    else:
        return None  # a custom scalar: any JSON value (its format is the schema's prose, not checkable)
    return None if ok else f"{_kind(value)} {value!r} is not a {name}"


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int | float):
        return "a number"
    return type(value).__name__


def _abstract_kind(type_: Any) -> str:
    return (
        "interface"
        if isinstance(type_, GraphQLInterfaceType)
        else "union"
        if isinstance(type_, GraphQLUnionType)
        else "type"
    )


# -- load time -------------------------------------------------------------------------------------


def _check(schema: GraphQLSchema, value: Any, type_: GraphQLOutputType, pointer: str = "") -> None:
    """``value`` (keyed by field names) against ``type_``, every field it holds; ``_MisfitError`` where one does not
    fit."""
    if isinstance(type_, GraphQLNonNull):
        if value is None:
            raise _MisfitError(f"null for the non-null {type_}", pointer)
        _check(schema, value, type_.of_type, pointer)
        return
    if value is None:
        return
    if isinstance(type_, GraphQLList):
        if not isinstance(value, list):
            raise _MisfitError(f"{_kind(value)} where {type_} needs a list", pointer)
        for index, item in enumerate(value):
            _check(schema, item, type_.of_type, f"{pointer}/{index}")
        return
    if isinstance(type_, GraphQLScalarType | GraphQLEnumType):
        problem = _leaf_misfit(type_, value)
        if problem:
            raise _MisfitError(problem, pointer)
        return
    if not isinstance(value, dict):
        raise _MisfitError(f"{_kind(value)} where {type_} needs an object", pointer)
    concrete = _concrete(schema, type_, value, None, pointer)
    for name, item in value.items():
        if name == "__typename":
            continue
        sub = concrete.fields.get(name)
        if sub is None:
            hint = did_you_mean(name, concrete.fields, None)
            raise _MisfitError(
                f"{concrete.name} has no field {name!r}" + (f" ({hint})" if hint else ""), f"{pointer}/{name}"
            )
        _check(schema, item, sub.type, f"{pointer}/{name}")


def compile_graphql(
    envelope: MockEnvelope, entries: list[Entry], examples: list[Example], hooks: Hooks
) -> GraphQLOverlays:
    """The GraphQL overlays, examples and hooks of one API, every one checked against ``envelope``'s schema."""
    mock = envelope.mock
    if not isinstance(mock, GraphQLMock):
        raise TypeError(f"GraphQL overlays need a GraphQL mock, not {type(mock).__name__}")
    schema = mock.schema
    fields = _root_fields(schema)
    named: dict[tuple[str, str], GraphQLFixed] = {}
    for example in examples:
        entry = example.entry
        check_keys(entry, _EXAMPLE_KEYS, "an example")
        operation, root_field = _operation(entry, fields)
        key = (operation, example.name)
        if key in named:
            raise ConfigError(
                f"a second example {example.name!r} of {operation} (the first: {named[key].where})", where=entry.where
            )
        named[key] = _fixed(entry, schema, operation, root_field)
    overlays = tuple(_overlay(entry, schema, fields, named) for entry in entries)
    hooks.check(list(fields), lambda name: name in fields)
    return GraphQLOverlays(envelope, overlays, named, hooks)


def _root_fields(schema: GraphQLSchema) -> dict[str, GraphQLField]:
    out: dict[str, GraphQLField] = {}
    for root in (schema.query_type, schema.mutation_type):
        if root is not None:
            out.update({f"{root.name}.{name}": root_field for name, root_field in root.fields.items()})
    return out


def _operation(entry: Entry, fields: Mapping[str, GraphQLField]) -> tuple[str, GraphQLField]:
    operation = string(entry.keys, "operation", entry.where)
    if operation is None:
        raise ConfigError("operation (a root field: Query.NAME or Mutation.NAME) is required", where=entry.where)
    found = fields.get(operation)
    if found is None:
        hint = did_you_mean(operation, fields, None) or f"the root fields: {', '.join(fields)}"
        raise ConfigError(f"the schema has no root field {operation!r}", where=entry.where, hint=hint)
    return operation, found


def _overlay(
    entry: Entry,
    schema: GraphQLSchema,
    fields: Mapping[str, GraphQLField],
    examples: Mapping[tuple[str, str], GraphQLFixed],
) -> GraphQLOverlay:
    check_keys(entry, _OVERLAY_KEYS, "[[overlay]]")
    where = entry.where
    operation, root_field = _operation(entry, fields)
    example = string(entry.keys, "example", where)
    if example is not None:
        others = [key for key in ("json", "json_file", "error", "code") if key in entry.keys]
        if others:
            raise ConfigError(f"give example or {others[0]}, not both", where=where)
        found = examples.get((operation, example))
        if found is None:
            raise ConfigError(f"no example {example!r} of {operation} in examples/", where=where)
        answer = found
    else:
        answer = _fixed(entry, schema, operation, root_field)
    args = table(entry.keys, "args", where)
    for name, value in list(args.items()):
        argument = root_field.args.get(name)
        if argument is None:
            hint = did_you_mean(name, root_field.args, None) or f"its arguments: {', '.join(root_field.args) or 'none'}"
            raise ConfigError(f"{operation} has no argument {name!r}", where=where, hint=hint)
        if get_named_type(argument.type).name == "ID" and isinstance(value, int) and not isinstance(value, bool):
            args[name] = str(value)  # an ID argument arrives as a string, however the client wrote it
    return GraphQLOverlay(operation, answer, args, headers_of(entry.keys, where), where)


def _fixed(entry: Entry, schema: GraphQLSchema, operation: str, root_field: GraphQLField) -> GraphQLFixed:
    where = entry.where
    given = [key for key in ("json", "json_file", "error") if key in entry.keys]
    if len(given) != 1:
        what = (
            "one of json, json_file or error is required" if not given else f"give {given[0]} or {given[1]}, not both"
        )
        raise ConfigError(what, where=where)
    code = string(entry.keys, "code", where)
    if given[0] == "error":
        message = string(entry.keys, "error", where)
        assert message is not None
        return GraphQLFixed(error=message, code=code, where=where)
    if code is not None:
        raise ConfigError("code goes with error, not with json", where=where)
    if given[0] == "json_file":
        value, placed = entry.json_file("json_file")
        prefix = ""
    else:
        value, placed, prefix = entry.keys["json"], entry, "/json"
    try:
        _check(schema, value, root_field.type)
    except _MisfitError as misfit:
        raise ConfigError(
            f"json does not fit {operation} ({root_field.type}): at {misfit.pointer or '/'}: {misfit}",
            where=placed.at(prefix + misfit.pointer),
        ) from None
    return GraphQLFixed(value=value, where=where)
