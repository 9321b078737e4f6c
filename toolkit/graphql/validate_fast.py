"""graphql-core's ``validate``, with its dispatch decided once per rule class instead of once per document.

graphql-core validates by instantiating every rule anew per document and walking the document with a
``TypeInfoVisitor`` around a ``ParallelVisitor``; each visitor caches which method handles which node kind
per *instance*, so every document pays a ``getattr`` and an f-string per (rule, kind) met, plus the generic
``visit`` loop's bookkeeping for edits no rule makes. On a new document of a dozen fields that dispatch is
most of the time validation takes.

``Validator`` runs the same rules, instantiated the same way per document, against graphql-core's own
``ValidationContext`` and ``TypeInfo``, in the same order, with the same arguments (node, key, parent, path,
ancestors), the same ``SKIP``/``BREAK`` semantics per rule, the same error limit and the same abort errors.
Only the lookups move: which function handles which kind is found once per rule class (a class's methods,
as graphql-core's ``getattr`` on the instance finds them; an instance that shadows one with an attribute is
checked for and sent to graphql-core). The context's caches keyed by AST nodes are keyed by identity here
(``_ByNode``): a node's dataclass hash recurses through its whole subtree on every lookup, and the nodes of a
parsed document are distinct exactly when they are unequal, as their locations differ.

Anything this walk does not reproduce is answered by graphql-core's ``validate`` itself, from scratch: a
rule returning a replacement node (no specified rule does), and a ``RecursionError`` (graphql-core's own
walk is iterative, this one recurses; graphql-core decides where its own recursion gives up).
``tests/graphql/test_g2_validate_fast.py`` compares the two on graphql-core's test documents, the corpus and
generated documents.

A document found valid leaves its *validity key* (``toolkit.graphql.doc_shape``: the document with its selections
sorted and the literals whose value cannot matter abstracted) behind: another document with that key (the same
fields in another order, another id inlined) is valid without any rule running. Only valid verdicts are kept, so an
invalid document always gets graphql-core's errors, in graphql-core's order (``test_gqlnf_validity_key.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

from graphql import (
    BREAK,
    SKIP,
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    Node,
    TypeInfo,
    assert_valid_schema,
    validate,
)
from graphql.language.visitor import Visitor
from graphql.validation import ValidationContext
from graphql.validation.rules import ASTValidationRule, ValidationRule
from graphql.validation.rules.overlapping_fields_can_be_merged import (
    OverlappingFieldsCanBeMergedRule,
    get_complexity_budget,
)
from graphql.validation.rules.unique_directives_per_location import UniqueDirectivesPerLocationRule
from graphql.validation.validate import (
    FragmentNestingVisitor,
    ValidationAbortedError,
    query_document_keys_to_validate,
)
from graphql.validation.validation_context import VariableUsage, VariableUsageVisitor

from toolkit.graphql.doc_shape import KEYED_RULES, budget_bound, validity_key
from toolkit.mock.memo import Memo

__all__ = ["Validator"]

_Handler = Callable[..., Any]
# per node kind: the (visitor index, unbound function) pairs that handle it
_Table = dict[str, tuple[tuple[int, _Handler], ...]]
_MAX_ERRORS = 100  # graphql-core's default
# Validity keys (``doc_shape``) of documents found valid: a key is about as long as its document's text; 4,096
# keys, 4 MiB in all, none over 16 KiB (a longer document is validated every time)
_VALID_KEYS = 4096
_VALID_BYTES = 4 * 1024 * 1024
_VALID_KEY_BYTES = 16 * 1024


# the __init__ of graphql-core's base rule classes: Visitor's (``enter_leave_map = {}``), then ``context``
_BASE_INITS = (ASTValidationRule.__init__, ValidationRule.__init__)


class _UnsupportedWalkError(Exception):
    """A rule returned a replacement node: graphql-core's walk would edit the document; it runs instead."""


def _node_kinds() -> frozenset[str]:
    """Every AST node kind (leaf values like ``string_value`` have no child keys but do have handlers)."""
    pending: list[type[Node]] = [Node]
    kinds: set[str] = set()
    while pending:
        cls = pending.pop()
        kinds.add(cls.kind)
        pending.extend(cls.__subclasses__())
    return frozenset(kinds | set(query_document_keys_to_validate))


_KINDS = _node_kinds()


def _kinds_without_directives() -> frozenset[str]:
    """The kinds no node of which has a ``directives`` field or attribute (a kind unknown here is not one)."""
    pending: list[type[Node]] = [Node]
    with_directives: set[str] = set()
    without: set[str] = set()
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        has = "directives" in getattr(cls, "__dataclass_fields__", {}) or hasattr(cls, "directives")
        (with_directives if has else without).add(cls.kind)
    return frozenset(without - with_directives)


# UniqueDirectivesPerLocationRule listens to every node and returns at once where ``getattr(node, "directives",
# None)`` is empty: on the kinds that cannot hold directives (names, arguments, values, selection sets...) its
# call does nothing, and is left out of their dispatch
_NO_DIRECTIVES = _kinds_without_directives()
_DIRECTIVES_ONLY = frozenset({UniqueDirectivesPerLocationRule.enter})


def _handlers(classes: Sequence[type[Visitor]], prefix: str) -> _Table:
    """Per kind, the visitors' functions for ``prefix`` (enter/leave) as ``Visitor.get_enter_leave_for_kind``
    finds them: ``<prefix>_<kind>``, else the generic ``<prefix>``, else none (or none that could act)."""
    table: _Table = {}
    for kind in _KINDS:
        found: list[tuple[int, _Handler]] = []
        for index, cls in enumerate(classes):
            handler = getattr(cls, f"{prefix}_{kind}", None) or getattr(cls, prefix, None)
            if handler in _DIRECTIVES_ONLY and kind in _NO_DIRECTIVES:
                continue
            if handler:
                found.append((index, handler))
        table[kind] = tuple(found)
    return table


def _type_info_handlers(prefix: str) -> dict[str, _Handler]:
    """``TypeInfo.enter``/``leave``'s dispatch (``getattr(self, prefix + kind)``), looked up once."""
    table: dict[str, _Handler] = {}
    for kind in _KINDS:
        handler = getattr(TypeInfo, f"{prefix}_{kind}", None)
        if handler:
            table[kind] = handler
    return table


_TYPE_INFO_ENTER = _type_info_handlers("enter")
_TYPE_INFO_LEAVE = _type_info_handlers("leave")
# per kind, all the walk does at a node: TypeInfo's enter, the visitors' enters, the child keys, the visitors'
# leaves, TypeInfo's leave
_Plan = tuple[_Handler | None, tuple[tuple[int, _Handler], ...], tuple[str, ...], tuple[tuple[int, _Handler], ...],
              _Handler | None]  # fmt: skip
_NOTHING: _Plan = (None, (), (), (), None)


def _plans(classes: Sequence[type[Visitor]]) -> dict[str, _Plan]:
    enters, leaves = _handlers(classes, "enter"), _handlers(classes, "leave")
    keys = query_document_keys_to_validate
    return {
        kind: (_TYPE_INFO_ENTER.get(kind), enters[kind], keys.get(kind, ()), leaves[kind], _TYPE_INFO_LEAVE.get(kind))
        for kind in _KINDS
    }


_USAGE_KEYS: dict[str, tuple[str, ...]] = {}  # graphql-core's usage walk reads every key (descriptions hold none)


def _shadows_a_handler(visitor: Visitor) -> bool:
    """Whether an instance holds its own ``enter…``/``leave…`` attribute (which graphql-core would call): checked
    on a class's first instance (no rule of graphql-core's sets one; a rule that did would be walked by
    graphql-core)."""
    return any(name.startswith(("enter", "leave")) and name != "enter_leave_map" for name in vars(visitor))


class _ByNode(dict[Any, Any]):
    """A dict keyed by AST node identity (values keep their key node alive, so an id is never reused while held).

    graphql-core's context caches per node (fragment spreads per selection set, variable usages per
    operation); the dataclass hash of a node hashes its whole subtree on every lookup."""

    def get(self, node: Any, default: Any = None) -> Any:
        held = dict.get(self, id(node))
        return default if held is None else held[1]

    def __getitem__(self, node: Any) -> Any:
        return dict.__getitem__(self, id(node))[1]

    def __setitem__(self, node: Any, value: Any) -> None:
        dict.__setitem__(self, id(node), (node, value))

    def __contains__(self, node: object) -> bool:
        return dict.__contains__(self, id(node))


class _Context(ValidationContext):
    """graphql-core's context; variable usages collected by this module's walk, and none looked for in a
    document whose text has no ``$`` (no variable can occur in it)."""

    def __init__(self, *args: Any, no_variables: bool) -> None:
        super().__init__(*args)
        self._fragment_spreads = _ByNode()
        self._variable_usages = _ByNode()
        self._recursive_variable_usages = _ByNode()
        self._no_variables = no_variables

    def get_variable_usages(self, node: Any) -> list[VariableUsage]:
        usages: list[VariableUsage] | None = self._variable_usages.get(node)
        if usages is None:
            if self._no_variables:
                usages = []
            else:
                fragment = node if isinstance(node, FragmentDefinitionNode) else None
                usages = _variable_usages(self._type_info, node, fragment)
            self._variable_usages[node] = usages
        return usages


def _variable_usages(type_info: TypeInfo, root: Node, fragment: FragmentDefinitionNode | None) -> list[VariableUsage]:
    """What graphql-core's ``VariableUsageVisitor`` collects under a ``TypeInfoVisitor``: each variable with the
    input type, parent input type and default value at its place, variable definitions skipped. Walked on the
    context's own ``TypeInfo`` (as graphql-core does), every enter matched by its leave."""
    collector = VariableUsageVisitor(type_info, fragment)
    enter_variable = collector.enter_variable
    ti_enter = _TYPE_INFO_ENTER
    ti_leave = _TYPE_INFO_LEAVE
    keys = _USAGE_KEYS

    def walk(node: Any) -> None:
        kind = node.kind
        if kind == "variable_definition":
            return  # SKIP: entered and left at once, nothing below
        handler = ti_enter.get(kind)
        if handler is not None:
            handler(type_info, node)
        if kind == "variable":
            enter_variable(node)
        for key in keys.get(kind, ()):
            child = getattr(node, key, None)
            if child is None:
                continue
            if isinstance(child, tuple):
                for item in child:
                    walk(item)  # noqa: F821 (emptied once the walk is done)
            else:
                walk(child)  # noqa: F821 (emptied once the walk is done)
        handler = ti_leave.get(kind)
        if handler is not None:
            handler(type_info)

    try:
        walk(root)
    finally:
        del walk  # see ``_walk``: the cycle through the function's own cell
    return collector.usages


def _usage_keys() -> None:
    from graphql.language.ast import QUERY_DOCUMENT_KEYS

    _USAGE_KEYS.update(QUERY_DOCUMENT_KEYS)


_usage_keys()


class Validator:
    """``validate(schema, document, rules, max_errors)`` for one schema and rule list, dispatch decided once."""

    def __init__(self, schema: GraphQLSchema, rules: Collection[type[ASTValidationRule]]) -> None:
        self.schema = schema
        self.rules = tuple(rules)
        plain: list[type[Visitor]] = list(self.rules)
        nested: list[type[Visitor]] = [FragmentNestingVisitor, *self.rules]  # graphql-core's order with fragments
        self._plain = _plans(plain)
        self._nested = _plans(nested)
        self._unshadowed: set[type[Visitor]] = set()  # classes whose instance was checked for own handlers
        # rules that keep the __init__ of graphql-core's base rule classes: made without calling it
        self._plain_init = frozenset(rule for rule in self.rules if rule.__init__ in _BASE_INITS)
        # documents found valid, by validity key: only for the rules the key was proven against
        self._keyed = set(self.rules) <= KEYED_RULES
        self._valid: Memo[bool] = Memo(lambda _: 64, max_entries=_VALID_KEYS, max_bytes=_VALID_BYTES,
                                       max_entry_bytes=_VALID_KEY_BYTES)  # fmt: skip

    def validate(
        self, document: DocumentNode, max_errors: int | None = None, text: str | None = None
    ) -> list[GraphQLError]:
        """The errors graphql-core's ``validate(schema, document, rules, max_errors)`` returns, in its order.

        ``text``: the query text ``document`` is the parse of, as is (not a document built or edited since);
        a text without ``$`` has no variable, and the walks collecting variable usages are skipped.

        A document whose validity key (``doc_shape``) is that of a document found valid before is valid: no rule
        runs. Any other document is validated in full, and its key kept when it is valid and no order of its
        selections could spend the overlapping-fields rule's whole complexity budget (``budget_bound``)."""
        keyed = validity_key(self.schema, document) if self._keyed else None
        if keyed is not None and self._valid.get(keyed[0]) is not None:
            return []
        no_variables = text is not None and "$" not in text
        try:
            errors, spent = self._validate(document, _MAX_ERRORS if max_errors is None else max_errors, no_variables)
        except (_UnsupportedWalkError, RecursionError):
            return validate(self.schema, document, self.rules, max_errors=max_errors)
        if keyed is not None and not errors and budget_bound(spent, keyed[1]) < get_complexity_budget():
            self._valid.put(keyed[0], True)
        return errors

    def _validate(self, document: DocumentNode, max_errors: int, no_variables: bool) -> tuple[list[GraphQLError], int]:
        """The errors, and how much of the overlapping-fields rule's complexity budget the walk spent."""
        schema = self.schema
        assert_valid_schema(schema)
        errors: list[GraphQLError] = []
        type_info = TypeInfo(schema)

        def on_error(error: GraphQLError) -> None:
            if len(errors) >= max_errors:
                msg = "Too many validation errors, error limit reached. Validation aborted."
                raise ValidationAbortedError(msg)
            errors.append(error)

        context = _Context(schema, document, type_info, on_error, no_variables=no_variables)
        visitors: list[Visitor] = []
        for rule in self.rules:
            if rule in self._plain_init:
                # what the inherited __init__ does (Visitor's, then the context), without the calls
                visitor = rule.__new__(rule)
                visitor.enter_leave_map = {}
                visitor.context = context
                visitors.append(visitor)
            else:
                visitors.append(rule(context))
        fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        plans = self._plain
        if fragments:
            visitors.insert(0, FragmentNestingVisitor(fragments))
            plans = self._nested
        unshadowed = self._unshadowed
        for made in visitors:
            if made.__class__ not in unshadowed:
                if _shadows_a_handler(made):
                    raise _UnsupportedWalkError
                unshadowed.add(made.__class__)
        try:
            _walk(document, type_info, visitors, plans)
        except ValidationAbortedError as error:
            error.__context__ = None
            errors.append(error.with_traceback(None))
        spent = 0
        for made in visitors:
            if isinstance(made, OverlappingFieldsCanBeMergedRule):
                spent = get_complexity_budget() - made.rule_context.remaining_complexity_budget
        return errors, spent


def _walk(root: DocumentNode, type_info: TypeInfo, visitors: list[Visitor], plans: dict[str, _Plan]) -> None:
    """graphql-core's ``visit(root, TypeInfoVisitor(type_info, ParallelVisitor(visitors)), keys)``, walked
    recursively: each node's TypeInfo enter, the visitors' enters in order (a visitor that returned SKIP at a node
    is silent until that node is left, BREAK silences it for good), the children by key, the visitors' leaves, the
    TypeInfo leave; key, parent, path and ancestors as graphql-core passes them."""
    skipping: list[Any] = [None] * len(visitors)
    skipped = [0]  # how many visitors wait to leave a node they skipped
    path: list[Any] = []
    ancestors: list[Any] = []
    nothing = _NOTHING

    def walk(node: Any, key: Any, parent: Any) -> None:
        ti_enter, enters, names, leaves, ti_leave = plans.get(node.kind, nothing)
        if ti_enter is not None:
            ti_enter(type_info, node)
        for index, function in enters:
            if skipping[index] is None:
                result = function(visitors[index], node, key, parent, path, ancestors)
                if result is not None:
                    if result is SKIP or result is False:
                        skipping[index] = node
                        skipped[0] += 1
                    elif result is BREAK or result is True:
                        skipping[index] = BREAK
                    else:
                        raise _UnsupportedWalkError
        if names:
            if parent is not None:
                ancestors.append(parent)
            for name in names:
                child = getattr(node, name, None)
                if child is None:
                    continue
                path.append(name)
                if isinstance(child, tuple):
                    if child:
                        ancestors.append(node)
                        for position, item in enumerate(child):
                            path.append(position)
                            walk(item, position, child)  # noqa: F821 (emptied once the walk is done)
                            path.pop()
                        ancestors.pop()
                else:
                    walk(child, name, node)  # noqa: F821 (emptied once the walk is done)
                path.pop()
            if parent is not None:
                ancestors.pop()
        for index, function in leaves:
            if skipping[index] is None:
                result = function(visitors[index], node, key, parent, path, ancestors)
                if result is not None:
                    if result is BREAK or result is True:
                        skipping[index] = BREAK
                    elif result is not SKIP and result is not False:
                        raise _UnsupportedWalkError
        if skipped[0]:
            for index, skipped_at in enumerate(skipping):
                if skipped_at is node:
                    skipping[index] = None
                    skipped[0] -= 1
        if ti_leave is not None:
            ti_leave(type_info)

    try:
        walk(root, None, None)
    finally:
        # ``walk`` calls itself through a closure cell: a cycle holding the visitors, the context and the type
        # info (~140 objects per document) until the collector finds it; emptied, all is freed at once
        del walk
