"""Comparing two JSON schemas by meaning, in one direction (what a client sends, or receives).

The comparison yields ``Fact``s with a property path relative to the schemas compared and a rule
*suffix* (``enum-value-removed``); the caller turns the suffix into oasdiff's id for the place it
compared (``request-property-enum-value-removed``, ``response-body-…``, ``request-parameter-…``).
That keeps one walker for bodies, parameters and headers, in both directions.

Speed on Stripe-size specs comes from pruning, not from walking faster: two subtrees whose raw
(unresolved) values are equal, and whose ``$ref``s all lead to equal components, are skipped without
being walked; comparisons of one ``$ref`` pair in one direction are memoised (the relative facts are
reused for every operation and property that reaches them); a pair already being compared higher up
the stack (a recursive schema) compares as equal, so recursion terminates.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from toolkit.openapi.diff.facts import (
    ANNOTATIONS,
    COMPOSITION,
    CONTENT,
    PRESENCE,
    SUBSCHEMAS,
    Fact,
    as_dict,
    types_of,
    unique,
)
from toolkit.openapi.diff.keywords import (
    Report,
    bound_facts,
    discriminator_facts,
    keyed_facts,
    lifecycle_facts,
    stability_change,
    type_facts,
    value_facts,
)
from toolkit.openapi.diff.nodes import Node, Side
from toolkit.openapi.diff.policy import DEFAULT_POLICY, DiffPolicy
from toolkit.openapi.diff.typesets import list_of_types_rule, type_contained, type_pattern
from toolkit.openapi.refs import references

# every keyword ``_subschemas`` walks into
_WALKED = frozenset((*SUBSCHEMAS, "patternProperties", "dependentSchemas"))


class SchemaDiff:
    """Compares schemas of ``old`` and ``new``; one instance per diff, holding the memo."""

    def __init__(self, old: Side, new: Side, policy: DiffPolicy = DEFAULT_POLICY) -> None:
        self.old = old
        self.new = new
        self.policy = policy
        self._memo: dict[tuple[str, str, str], list[Fact]] = {}
        self._active: set[tuple[str, str, str]] = set()
        self._refs: dict[int, list[str]] = {}
        self._stable: dict[tuple[str, str, str], bool] = {}

    # --- pruning -------------------------------------------------------------------------
    def same(self, o: Node, n: Node) -> bool:
        """Equal raw values whose every ``$ref`` leads to equal values: nothing below can differ."""
        return o.value == n.value and all(self._ref_stable(ref, o.uri, n.uri) for ref in self._refs_in(o.value))

    def _refs_in(self, value: Any) -> list[str]:
        """The ``$ref``s under ``value``, found as the resolver's load-time check finds them (so a
        property or response named ``default`` is structure, an ``example`` is data)."""
        key = id(value)
        if key not in self._refs:
            self._refs[key] = sorted({holder["$ref"] for holder in references(value)})
        return self._refs[key]

    def _ref_stable(self, ref: str, old_uri: str, new_uri: str) -> bool:
        key = (ref, old_uri, new_uri)
        if key in self._stable:
            return self._stable[key]
        self._stable[key] = True  # a cycle back here assumes equal; the rest of the cycle decides
        try:
            o_value, o_uri, _ = self.old.resolver.resolve(ref, old_uri)
            n_value, n_uri, _ = self.new.resolver.resolve(ref, new_uri)
        except Exception:  # noqa: BLE001 - a ref that does not resolve on one side is a difference
            self._stable[key] = False
            return False
        result = o_value == n_value and all(self._ref_stable(r, o_uri, n_uri) for r in self._refs_in(o_value))
        self._stable[key] = result
        return result

    # --- comparison ----------------------------------------------------------------------
    def compare(self, o: Node | None, n: Node | None, direction: str) -> list[Fact]:
        """Facts about how ``n`` differs from ``o`` for a client that sends (request) or receives them."""
        if o is None or n is None or self.same(o, n):
            return []
        od, okey = self.old.deref(o)
        nd, nkey = self.new.deref(n)
        if not isinstance(od.value, dict) or not isinstance(nd.value, dict):
            return []
        key = (okey or f"inline:{id(o.value)}", nkey or f"inline:{id(n.value)}", direction)
        if key in self._memo:
            return self._memo[key]
        if key in self._active:
            return []
        self._active.add(key)
        try:
            facts = unique(self._compare(od, nd, direction))
        finally:
            self._active.discard(key)
        if okey and nkey:
            self._memo[key] = facts
        return facts

    def _compare(self, o: Node, n: Node, direction: str) -> list[Fact]:
        ov, nv = o.value, n.value
        ro = nv.get("readOnly") is True or ov.get("readOnly") is True
        wo = nv.get("writeOnly") is True or ov.get("writeOnly") is True
        out: list[Fact] = []

        def fact(rules: tuple[str, ...] | str, text: str, key: str | None, **extra: Any) -> None:
            old = self.old.where(o.uri, o.at(key)) if key else self.old.where(o.uri, o.ptr)
            new = self.new.where(n.uri, n.at(key)) if key else self.new.where(n.uri, n.ptr)
            rules = (rules,) if isinstance(rules, str) else rules
            out.append(Fact(rules, text, old, new, read_only=ro, write_only=wo, **extra))

        # a list of types (oneOf/anyOf of plain scalars) changed: reported as such, in place of the type and
        # membership changes it shows up as (oasdiff's list-of-types transition claims them)
        listed = self._list_of_types(o, n, direction)
        wrapped = "oneOf" not in ov and isinstance(nv.get("oneOf"), list) and ("type" in ov or "properties" in ov)
        if wrapped and listed is None:
            fact("wrapped-in-one-of", "was wrapped in a oneOf", "oneOf")
            return out
        if listed is not None:
            fact(listed, "the list of types changed", "oneOf" if "oneOf" in nv or "oneOf" in ov else "anyOf")
        else:
            type_facts(ov, nv, fact, scalar_fits_items=direction == "request" and self._scalar_fits_items(o, n))
        value_facts(ov, nv, fact)
        bound_facts(ov, nv, fact)
        lifecycle_facts(ov, nv, fact)
        discriminator_facts(ov, nv, fact)
        for keyword, word in PRESENCE:
            if keyword in nv and keyword not in ov:
                fact(f"{word}-added", f"`{keyword}` was added", keyword)
            elif keyword in ov and keyword not in nv:
                fact(f"{word}-removed", f"`{keyword}` was removed", keyword)
        for keyword, word in CONTENT:
            if ov.get(keyword) != nv.get(keyword):
                fact(f"{word}-changed", f"{keyword} changed from {ov.get(keyword)!r} to {nv.get(keyword)!r}", keyword)
        keyed_facts(ov, nv, fact)
        out.extend(self._composition(o, n, direction, fact, listed is not None))
        out.extend(self._properties(o, n, direction))
        out.extend(self._subschemas(o, n, direction))
        return out

    def _subschemas(self, o: Node, n: Node, direction: str) -> list[Fact]:
        """Changes inside the subschemas both sides have, reported as properties below the keyword (as oasdiff
        walks them: a change inside ``then`` or ``not`` is graded as the same change in a property)."""
        out: list[Fact] = []
        ov, nv = o.value, n.value
        # most schemas have none of these, and this runs for every schema compared: one test in C first
        if ov.keys().isdisjoint(_WALKED) or nv.keys().isdisjoint(_WALKED):
            return out
        for keyword in SUBSCHEMAS:
            oc, nc = ov.get(keyword), nv.get(keyword)
            if isinstance(oc, dict) and isinstance(nc, dict):
                pair = Node(oc, o.uri, o.at(keyword)), Node(nc, n.uri, n.at(keyword))
                out.extend(f.under(keyword) for f in self.compare(*pair, direction))
        for keyword in ("patternProperties", "dependentSchemas"):
            om, nm = as_dict(ov.get(keyword)), as_dict(nv.get(keyword))
            for name in om.keys() & nm.keys():
                pair = Node(om[name], o.uri, o.at(keyword, name)), Node(nm[name], n.uri, n.at(keyword, name))
                out.extend(f.under(f"{keyword}[{name}]") for f in self.compare(*pair, direction))
        return out

    def _scalar_fits_items(self, o: Node, n: Node) -> bool:
        """NEW is an array and OLD a scalar (or a union of scalars) whose every value NEW's items accept:
        the same constraints but for the type, which must take OLD's values as text (oasdiff's
        itemAcceptsBaseScalarValues)."""
        raw = n.value.get("type")
        if raw != "array" and not (isinstance(raw, list) and "array" in raw):
            return False
        old_types, _ = types_of(o.value)
        new_types, _ = types_of(n.value)
        items = n.child("items")
        if "array" in old_types or "array" not in new_types or not old_types or items is None:
            return False
        item = self.new.deref(items)[0].value
        if not isinstance(item, dict) or not type_contained(types_of(item)[0], old_types, strongly=False):
            return False
        # a Swagger 2.0 parameter is its own schema: its name and place are not constraints
        ignored = ANNOTATIONS | {"type", "nullable", "in", "name", "required", "collectionFormat", "allowEmptyValue"}

        def constraints(schema: dict[str, Any]) -> dict[str, Any]:
            return {k: v for k, v in schema.items() if k not in ignored and not k.startswith("x-")}

        return constraints(o.value) == constraints(item)

    def _fingerprint(self, side: Side, node: Node) -> str:
        """A subschema's identity for matching allOf/oneOf/anyOf members: a $ref's target, else its content."""
        target, key = side.deref(node)
        if key is not None:
            return "ref:" + key.rpartition("/")[2]
        value = (
            {k: v for k, v in target.value.items() if k not in ANNOTATIONS}
            if isinstance(target.value, dict)
            else target.value
        )
        return json.dumps(value, sort_keys=True, default=str)

    def _list_of_types(self, o: Node, n: Node, direction: str) -> str | None:
        ov, nv = o.value, n.value
        if "oneOf" not in ov and "anyOf" not in ov and "oneOf" not in nv and "anyOf" not in nv:
            return None  # two plain types (most schemas): the type rules judge them
        before = type_pattern(ov, lambda keyword: self._members(self.old, o, keyword))
        after = type_pattern(nv, lambda keyword: self._members(self.new, n, keyword))
        return list_of_types_rule(before, after, direction)

    @staticmethod
    def _members(side: Side, node: Node, keyword: str) -> Iterator[Any]:
        """The members of ``node``'s ``keyword`` list, ``$ref``s followed one at a time (the reader stops early)."""
        listed = node.value.get(keyword)
        for index, member in enumerate(listed if isinstance(listed, list) else ()):
            yield side.deref(Node(member, node.uri, node.at(keyword, index)))[0].value

    def _composition(self, o: Node, n: Node, direction: str, fact: Report, listed: bool = False) -> list[Fact]:
        out: list[Fact] = []
        # prefixItems is matched as compositions are (oasdiff diffs it as a list of subschemas)
        for keyword, word in (*COMPOSITION, ("prefixItems", "prefix-items")):
            if keyword not in o.value and keyword not in n.value:
                continue
            ol, nl = o.child(keyword), n.child(keyword)
            olist = ol.value if ol is not None and isinstance(ol.value, list) else []
            nlist = nl.value if nl is not None and isinstance(nl.value, list) else []
            if not olist and not nlist:
                continue
            onodes = [Node(v, o.uri, o.at(keyword, i)) for i, v in enumerate(olist)]
            nnodes = [Node(v, n.uri, n.at(keyword, i)) for i, v in enumerate(nlist)]
            oprints = [self._fingerprint(self.old, x) for x in onodes]
            nprints = [self._fingerprint(self.new, x) for x in nnodes]
            pairs: list[tuple[Node, Node]] = []
            left_o = [i for i, p in enumerate(oprints) if p not in nprints]
            left_n = [i for i, p in enumerate(nprints) if p not in oprints]
            for i, p in enumerate(oprints):
                if p in nprints:
                    pairs.append((onodes[i], nnodes[nprints.index(p)]))
            # inline members changed in place: compare them rather than calling them removed and added
            while (
                left_o
                and left_n
                and not oprints[left_o[0]].startswith("ref:")
                and not nprints[left_n[0]].startswith("ref:")
            ):
                pairs.append((onodes[left_o.pop(0)], nnodes[left_n.pop(0)]))
            for left, members, nodes, verb in ((left_n, nlist, nnodes, "added"), (left_o, olist, onodes, "removed")):
                if not left or (listed and keyword != "allOf"):
                    continue
                if keyword == "prefixItems" and not (olist and nlist):
                    continue  # the whole keyword added or removed: reported as such (PRESENCE)
                annotation = keyword == "allOf" and all(
                    isinstance(members[i], dict) and set(members[i]) <= ANNOTATIONS for i in left
                )
                names = ", ".join(self._label(nodes[i]) for i in left)
                fact(
                    f"{word}-{verb}-annotation-only" if annotation else f"{word}-{verb}",
                    f"{keyword} members {verb}: {names}",
                    keyword,
                )
            for a, b in pairs:
                if keyword == "prefixItems":  # walked as a property below it, as oasdiff walks it
                    index = a.ptr.rpartition("/")[2]
                    out.extend(f.under(f"prefixItems[{index}]") for f in self.compare(a, b, direction))
                else:
                    out.extend(self.compare(a, b, direction))
        return out

    @staticmethod
    def _label(node: Node) -> str:
        if isinstance(node.value, dict) and isinstance(node.value.get("$ref"), str):
            return str(node.value["$ref"]).rpartition("/")[2]
        title = node.value.get("title") if isinstance(node.value, dict) else None
        return str(title) if title else f"#{node.ptr.rpartition('/')[2]}"

    def _properties(self, o: Node, n: Node, direction: str) -> list[Fact]:
        op, np = o.child("properties"), n.child("properties")
        oprops = op.value if op is not None and isinstance(op.value, dict) else {}
        nprops = np.value if np is not None and isinstance(np.value, dict) else {}
        oreq = set(o.value.get("required") or []) if isinstance(o.value.get("required"), list) else set()
        nreq = set(n.value.get("required") or []) if isinstance(n.value.get("required"), list) else set()
        if not oprops and not nprops and oreq == nreq:
            return []
        out: list[Fact] = []
        request = direction == "request"
        for name in oprops:
            if name in nprops:
                continue
            flags = as_dict(self.old.deref(Node(oprops[name], o.uri, o.at("properties", name)))[0].value)
            where_old = self.old.where(o.uri, o.at("properties", name))
            where_new = self.new.where(n.uri, n.at("properties"))
            if request:
                if flags.get("readOnly") is not True:
                    out.append(
                        Fact(("request-property-removed",), "was removed", where_old, where_new, (name,), full=True)
                    )
            else:
                kind = "required" if name in oreq else "optional"
                rule = (
                    f"response-{kind}-write-only-property-removed"
                    if flags.get("writeOnly") is True
                    else f"response-{kind}-property-removed"
                )
                out.append(Fact((rule,), f"was removed (it was {kind})", where_old, where_new, (name,), full=True))
        for name in nprops:
            if name in oprops:
                continue
            flags = as_dict(self.new.deref(Node(nprops[name], n.uri, n.at("properties", name)))[0].value)
            where_old = self.old.where(o.uri, o.at("properties"))
            where_new = self.new.where(n.uri, n.at("properties", name))
            kind = "required" if name in nreq else "optional"
            if request:
                if flags.get("readOnly") is True:
                    continue
                rule = f"new-{kind}-request-property"
                if kind == "required" and "default" in flags:
                    rule = "new-required-request-property-with-default"
            else:
                rule = (
                    f"response-{kind}-write-only-property-added"
                    if flags.get("writeOnly") is True
                    else f"response-{kind}-property-added"
                )
            out.append(Fact((rule,), f"was added ({kind})", where_old, where_new, (name,), full=True))
        for name in oprops:
            if name not in nprops:
                continue
            old_node = Node(oprops[name], o.uri, o.at("properties", name))
            new_node = Node(nprops[name], n.uri, n.at("properties", name))
            od, nd = self.old.deref(old_node)[0], self.new.deref(new_node)[0]
            out.extend(self._requiredness(o, n, name, od, nd, name in oreq, name in nreq, request))
            out.extend(self._stability(od, nd, name))
            out.extend(f.under(name) for f in self.compare(old_node, new_node, direction))
        return out

    def _stability(self, od: Node, nd: Node, name: str) -> list[Fact]:
        """``x-stability-level`` of a property (``od``, ``nd``: its schemas, ``$ref``s followed)."""
        if not isinstance(od.value, dict) or not isinstance(nd.value, dict):
            return []
        found = stability_change(od.value, nd.value, self.policy)
        if found is None:
            return []
        where_old = self.old.where(od.uri, od.at("x-stability-level"))
        where_new = self.new.where(nd.uri, nd.at("x-stability-level"))
        return [Fact((found[0],), found[1], where_old, where_new, (name,))]

    def _requiredness(
        self, o: Node, n: Node, name: str, od: Node, nd: Node, was: bool, now: bool, request: bool
    ) -> list[Fact]:
        """A property of ``o``/``n`` (``od``, ``nd``: its schemas, ``$ref``s followed) made required,
        optional, read-only or write-only."""
        ov, nv = as_dict(od.value), as_dict(nd.value)
        out: list[Fact] = []
        where_old = self.old.where(o.uri, o.at("required"))
        where_new = self.new.where(n.uri, n.at("required"))
        direction = "request" if request else "response"
        if was != now:
            if request and nv.get("readOnly") is not True:
                rule = "request-property-became-required" if now else "request-property-became-optional"
                if now and "default" in nv:
                    rule = "request-property-became-required-with-default"
            elif not request and nv.get("writeOnly") is True:
                rule = (
                    "response-write-only-property-became-required"
                    if now
                    else "response-write-only-property-became-optional"
                )
            elif not request:
                rule = "response-property-became-required" if now else "response-property-became-optional"
            else:
                rule = ""
            if rule:
                out.append(
                    Fact((rule,), f"became {'required' if now else 'optional'}", where_old, where_new, full=True)
                )
        kind = "required" if now else "optional"
        for keyword, word in (("readOnly", "read-only"), ("writeOnly", "write-only")):
            a, b = ov.get(keyword) is True, nv.get(keyword) is True
            if a != b:
                rule = f"{direction}-{kind}-property-became-{'' if b else 'not-'}{word}"
                out.append(
                    Fact(
                        (rule,),
                        f"became {'' if b else 'not '}{keyword}",
                        self.old.where(o.uri, o.at("properties", name)),
                        self.new.where(n.uri, n.at("properties", name)),
                        full=True,
                    )
                )
        return [replace(f, path=(name,)) for f in out]
