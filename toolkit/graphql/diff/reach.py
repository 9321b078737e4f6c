"""Which operations of a GraphQL schema can reach which named type.

A drift report is read per operation: "Product.legacyCode was removed" matters to the team that calls
``Query.product``. A root field reaches a type when its arguments or its result lead there through
fields (and their arguments), interfaces (to every implementation a fragment may select), unions (to
every member) and input objects. The closure is computed once per schema, as bitsets over the
strongly connected components of the type graph, so a schema the size of GitHub's costs a few
milliseconds however many changes there are.
"""

from __future__ import annotations

from typing import cast

from graphql import (
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
    GraphQLUnionType,
    GraphQLWrappingType,
)


def named(type_: GraphQLType) -> str:
    while isinstance(type_, GraphQLWrappingType):  # get_named_type's loop, without its checks: called per field
        type_ = type_.of_type
    return cast(GraphQLNamedType, type_).name


class Reach:
    """The operations (``Root.field``) of one schema, and the types each of them can reach."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self.roots: dict[str, list[str]] = {}
        names = list(schema.type_map)
        self._index = {name: i for i, name in enumerate(names)}
        edges = [self._edges(schema.type_map[name]) for name in names]
        closure = _closure(edges)
        self._operations: list[tuple[str, int]] = []
        for root in (schema.query_type, schema.mutation_type, schema.subscription_type):
            if root is None or root.name in self.roots:
                continue
            self.roots[root.name] = []
            for field_name, field in root.fields.items():
                bits = closure[self._index[named(field.type)]]
                for arg in field.args.values():
                    bits |= closure[self._index[named(arg.type)]]
                operation = f"{root.name}.{field_name}"
                self.roots[root.name].append(operation)
                self._operations.append((operation, bits))
        self._cache: dict[str, tuple[str, ...]] = {}

    def _edges(self, type_: GraphQLNamedType) -> list[int]:
        index = self._index
        targets: list[int] = []
        if isinstance(type_, (GraphQLObjectType, GraphQLInterfaceType)):
            for field in type_.fields.values():
                targets.append(index[named(field.type)])
                if field.args:  # most fields take none: skip building a generator for them
                    targets.extend([index[named(arg.type)] for arg in field.args.values()])
            if isinstance(type_, GraphQLInterfaceType):
                # a client may spread a fragment on any implementation of an interface it receives
                implementations = self.schema.get_implementations(type_)
                targets.extend(index[item.name] for item in implementations.objects)
                targets.extend(index[item.name] for item in implementations.interfaces)
        elif isinstance(type_, GraphQLUnionType):
            targets.extend(index[member.name] for member in type_.types)
        elif isinstance(type_, GraphQLInputObjectType):
            targets.extend(index[named(field.type)] for field in type_.fields.values())
        return targets

    def reachable(self, type_name: str) -> bool:
        """Whether a root type is ``type_name`` or leads to it (GraphQL Inspector's reachable types)."""
        position = self._index.get(type_name)
        if position is None:
            return False
        mask = 1 << position
        return type_name in self.roots or any(bits & mask for _, bits in self._operations)

    def operations_reaching(self, type_name: str) -> tuple[str, ...]:
        """Every operation whose arguments or result can lead to ``type_name``, in schema order."""
        cached = self._cache.get(type_name)
        if cached is not None:
            return cached
        position = self._index.get(type_name)
        found: tuple[str, ...] = ()
        if position is not None:
            mask = 1 << position
            type_ = self.schema.type_map[type_name]
            if isinstance(type_, GraphQLInterfaceType):
                # a client holding any implementation may select the interface's fields in a fragment
                implementations = self.schema.get_implementations(type_)
                for item in (*implementations.objects, *implementations.interfaces):
                    mask |= 1 << self._index[item.name]
            found = tuple(operation for operation, bits in self._operations if bits & mask)
        self._cache[type_name] = found
        return found


def _closure(edges: list[list[int]]) -> list[int]:
    """For each node, the bitset of the nodes it reaches (itself included).

    Tarjan's algorithm, iterative so a deep schema cannot exhaust the stack, emits each strongly
    connected component after every component it reaches, so one pass in emission order suffices.
    """
    count = len(edges)
    order = [-1] * count
    low = [0] * count
    on_stack = [False] * count
    stack: list[int] = []
    reach = [0] * count
    counter = 0
    for start in range(count):
        if order[start] != -1:
            continue
        work: list[tuple[int, int]] = [(start, 0)]
        while work:
            node, position = work[-1]
            if position == 0:
                order[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack[node] = True
            targets = edges[node]
            if position < len(targets):
                work[-1] = (node, position + 1)
                target = targets[position]
                if order[target] == -1:
                    work.append((target, 0))
                elif on_stack[target]:
                    low[node] = min(low[node], order[target])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == order[node]:
                members: list[int] = []
                while True:
                    member = stack.pop()
                    on_stack[member] = False
                    members.append(member)
                    if member == node:
                        break
                bits = 0
                for member in members:
                    bits |= 1 << member
                for member in members:
                    for target in edges[member]:
                        if not on_stack[target]:
                            bits |= reach[target]
                for member in members:
                    reach[member] = bits
    return reach
