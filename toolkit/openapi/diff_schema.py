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
from dataclasses import replace
from typing import Any

from toolkit.openapi.diff_facts import (
    ANNOTATIONS,
    ANY_STRING,
    BOUNDS,
    COMPOSITION,
    CONTENT,
    KEYED,
    LITERAL,
    PRESENCE,
    Fact,
    as_dict,
    show,
    types_of,
    unique,
)
from toolkit.openapi.diff_nodes import Node, Side
from toolkit.sunset import parse_sunset


class SchemaDiff:
    """Compares schemas of ``old`` and ``new``; one instance per diff, holding the memo."""

    def __init__(self, old: Side, new: Side) -> None:
        self.old = old
        self.new = new
        self._memo: dict[tuple[str, str, str], list[Fact]] = {}
        self._active: set[tuple[str, str, str]] = set()
        self._refs: dict[int, list[str]] = {}
        self._stable: dict[tuple[str, str, str], bool] = {}

    # --- pruning -------------------------------------------------------------------------
    def same(self, o: Node, n: Node) -> bool:
        """Equal raw values whose every ``$ref`` leads to equal values: nothing below can differ."""
        return o.value == n.value and all(self._ref_stable(ref, o.uri, n.uri) for ref in self._refs_in(o.value))

    def _refs_in(self, value: Any) -> list[str]:
        key = id(value)
        if key not in self._refs:
            found: list[str] = []
            seen: set[int] = set()
            stack = [value]
            while stack:
                node = stack.pop()
                if id(node) in seen:
                    continue
                seen.add(id(node))
                if isinstance(node, dict):
                    ref = node.get("$ref")
                    if isinstance(ref, str):
                        found.append(ref)
                    stack.extend(v for k, v in node.items() if isinstance(v, (dict, list)) and k not in LITERAL)
                elif isinstance(node, list):
                    stack.extend(v for v in node if isinstance(v, (dict, list)))
            self._refs[key] = sorted(set(found))
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
            out.append(
                Fact(rules, text, extra.pop("old", old), extra.pop("new", new), read_only=ro, write_only=wo, **extra)
            )

        if "oneOf" not in ov and isinstance(nv.get("oneOf"), list) and ("type" in ov or "properties" in ov):
            fact("wrapped-in-one-of", "was wrapped in a oneOf", "oneOf")
            return out
        self._type(ov, nv, direction, fact)
        self._values(ov, nv, fact)
        self._bounds(ov, nv, fact)
        self._lifecycle(ov, nv, fact)
        self._discriminator(ov, nv, fact)
        for keyword, word in PRESENCE:
            if keyword in nv and keyword not in ov:
                fact(f"{word}-added", f"`{keyword}` was added", keyword)
            elif keyword in ov and keyword not in nv:
                fact(f"{word}-removed", f"`{keyword}` was removed", keyword)
        for keyword, word in CONTENT:
            if ov.get(keyword) != nv.get(keyword):
                fact(f"{word}-changed", f"{keyword} changed from {ov.get(keyword)!r} to {nv.get(keyword)!r}", keyword)
        self._keyed(o, n, fact)
        out.extend(self._composition(o, n, direction, fact))
        out.extend(self._properties(o, n, direction))
        for keyword in ("items", "additionalProperties", "contains", "not"):
            oc, nc = o.child(keyword), n.child(keyword)
            if oc is not None and nc is not None and isinstance(oc.value, dict) and isinstance(nc.value, dict):
                if keyword == "not":
                    continue
                out.extend(f.under(keyword) for f in self.compare(oc, nc, direction))
        return out

    def _type(self, ov: dict[str, Any], nv: dict[str, Any], direction: str, fact: Any) -> None:
        ot, onull = types_of(ov, self.old.swagger)
        nt, nnull = types_of(nv, self.new.swagger)
        of, nf = ov.get("format"), nv.get("format")
        if ot != nt:
            shown = f"type changed from `{'/'.join(sorted(ot)) or 'any'}` to `{'/'.join(sorted(nt)) or 'any'}`"
            if len(ot) > 1 or len(nt) > 1:
                if ot < nt:
                    fact("list-of-types-widened", shown, "type")
                elif nt < ot:
                    fact("list-of-types-narrowed", shown, "type")
                else:
                    fact("type-changed", shown, "type")
            elif not ot:  # untyped → typed: narrower
                fact(("type-specialized", "type-changed") if direction == "response" else "type-changed", shown, "type")
            elif not nt:  # typed → untyped: wider
                if direction == "response":
                    fact(("type-generalized", "type-changed"), shown, "type")
            elif ot == {"integer"} and nt == {"number"}:
                fact(("type-generalized", "type-changed"), shown, "type")
            elif ot == {"number"} and nt == {"integer"}:
                fact(("type-specialized", "type-changed") if direction == "response" else "type-changed", shown, "type")
            else:
                fact("type-changed", shown, "type")
        elif of != nf and ot:
            shown = f"format changed from `{of or 'none'}` to `{nf or 'none'}`"
            if nf is None:
                if direction == "response":
                    fact(("type-generalized", "type-changed"), shown, "format")
            elif of is None and direction == "response":
                fact(("type-specialized",), shown, "format")
            else:
                fact("type-changed", shown, "format")
        if onull != nnull:
            fact(
                "became-nullable" if nnull else "became-not-nullable",
                "may now be null" if nnull else "may no longer be null",
                "nullable" if "nullable" in nv or "nullable" in ov else "type",
            )

    def _values(self, ov: dict[str, Any], nv: dict[str, Any], fact: Any) -> None:
        oe, ne = ov.get("enum"), nv.get("enum")
        if isinstance(oe, list) and isinstance(ne, list):
            for value in oe:
                if value not in ne and value is not None:
                    fact("enum-value-removed", f"enum value `{show(value)}` was removed", "enum")
            for value in ne:
                if value not in oe and value is not None:
                    fact("enum-value-added", f"enum value `{show(value)}` was added", "enum")
        elif isinstance(ne, list) and not isinstance(oe, list):
            fact("became-enum", f"became an enum ({', '.join(show(v) for v in ne)})", "enum")
        ox, nx = ov.get("x-extensible-enum"), nv.get("x-extensible-enum")
        if isinstance(ox, list) and isinstance(nx, list):
            for value in ox:
                if value not in nx:
                    fact(
                        "x-extensible-enum-value-removed",
                        f"x-extensible-enum value `{show(value)}` was removed",
                        "x-extensible-enum",
                    )
        op, np = ov.get("pattern"), nv.get("pattern")
        if op != np:
            if op is None:
                fact("pattern-added", f"pattern `{np}` was added", "pattern")
            elif np is None:
                fact("pattern-removed", f"pattern `{op}` was removed", "pattern")
            elif np in ANY_STRING:
                fact("pattern-generalized", f"pattern changed from `{op}` to `{np}`", "pattern")
            else:
                fact("pattern-changed", f"pattern changed from `{op}` to `{np}`", "pattern")
        for keyword, word in (("default", "default-value"), ("const", "const")):
            if keyword in ov and keyword in nv:
                if ov[keyword] != nv[keyword]:
                    fact(
                        f"{word}-changed",
                        f"{keyword} changed from `{show(ov[keyword])}` to `{show(nv[keyword])}`",
                        keyword,
                    )
            elif keyword in nv:
                fact(f"{word}-added", f"{keyword} `{show(nv[keyword])}` was added", keyword)
            elif keyword in ov:
                fact(f"{word}-removed", f"{keyword} `{show(ov[keyword])}` was removed", keyword)

    def _bounds(self, ov: dict[str, Any], nv: dict[str, Any], fact: Any) -> None:
        for keyword, word, _ in BOUNDS:
            a, b = ov.get(keyword), nv.get(keyword)
            if isinstance(a, bool) or isinstance(b, bool):
                continue  # 3.0's boolean exclusiveMaximum modifies maximum; compared there
            if not isinstance(a, (int, float)):
                a = None
            if not isinstance(b, (int, float)):
                b = None
            if a == b:
                continue
            if a is None:
                fact(f"{word}-set", f"{keyword} was set to {b}", keyword)
            elif b is None:
                fact(f"{word}-unset", f"{keyword} {a} was removed", keyword)
            else:
                verb = "increased" if b > a else "decreased"
                fact(f"{word}-{verb}", f"{keyword} {verb} from {a} to {b}", keyword)

    def _lifecycle(self, ov: dict[str, Any], nv: dict[str, Any], fact: Any) -> None:
        od, nd = ov.get("deprecated") is True, nv.get("deprecated") is True
        if nd and not od:
            raw = nv.get("x-sunset")
            if raw is None:
                fact("deprecated", "was deprecated", "deprecated")
            elif parse_sunset(raw) is None:
                fact("deprecated-sunset-invalid", f"was deprecated with an invalid sunset {raw!r}", "x-sunset")
            else:
                fact("deprecated-with-sunset", f"was deprecated with sunset {raw}", "deprecated", sunset=str(raw))
        elif od and not nd:
            fact("reactivated", "is no longer deprecated", "deprecated")

    def _discriminator(self, ov: dict[str, Any], nv: dict[str, Any], fact: Any) -> None:
        o, n = ov.get("discriminator"), nv.get("discriminator")
        if o == n:
            return
        if not isinstance(o, dict):
            fact("discriminator-added", "a discriminator was added", "discriminator")
            return
        if not isinstance(n, dict):
            fact("discriminator-removed", "the discriminator was removed", "discriminator")
            return
        if o.get("propertyName") != n.get("propertyName"):
            fact(
                "discriminator-property-name-changed",
                f"discriminator property changed from `{o.get('propertyName')}` to `{n.get('propertyName')}`",
                "discriminator",
            )
        om, nm = as_dict(o.get("mapping")), as_dict(n.get("mapping"))
        added = [k for k in nm if k not in om]
        removed = [k for k in om if k not in nm]
        changed = [k for k in om if k in nm and om[k] != nm[k]]
        if added:
            fact("discriminator-mapping-added", f"discriminator mapping keys {added} were added", "discriminator")
        if removed:
            fact("discriminator-mapping-deleted", f"discriminator mapping keys {removed} were deleted", "discriminator")
        if changed:
            fact("discriminator-mapping-changed", f"discriminator mapping changed for {changed}", "discriminator")

    def _keyed(self, o: Node, n: Node, fact: Any) -> None:
        ov, nv = o.value, n.value
        for keyword, word in KEYED:
            om, nm = as_dict(ov.get(keyword)), as_dict(nv.get(keyword))
            for name in nm:
                if name not in om:
                    fact(f"{word}-added", f"{keyword} `{name}` was added", keyword)
            for name in om:
                if name not in nm:
                    fact(f"{word}-removed", f"{keyword} `{name}` was removed", keyword)
                elif keyword == "dependentRequired" and om[name] != nm[name]:
                    fact(f"{word}-changed", f"{keyword} `{name}` changed from {om[name]} to {nm[name]}", keyword)

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

    def _composition(self, o: Node, n: Node, direction: str, fact: Any) -> list[Fact]:
        out: list[Fact] = []
        for keyword, word in COMPOSITION:
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
            if left_n:
                annotation = keyword == "allOf" and all(
                    isinstance(nlist[i], dict) and set(nlist[i]) <= ANNOTATIONS for i in left_n
                )
                names = ", ".join(self._label(nnodes[i]) for i in left_n)
                fact(
                    f"{word}-added-annotation-only" if annotation else f"{word}-added",
                    f"{keyword} members added: {names}",
                    keyword,
                )
            if left_o:
                annotation = keyword == "allOf" and all(
                    isinstance(olist[i], dict) and set(olist[i]) <= ANNOTATIONS for i in left_o
                )
                names = ", ".join(self._label(onodes[i]) for i in left_o)
                fact(
                    f"{word}-removed-annotation-only" if annotation else f"{word}-removed",
                    f"{keyword} members removed: {names}",
                    keyword,
                )
            for a, b in pairs:
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
            old_prop, _ = self.old.deref(Node(oprops[name], o.uri, o.at("properties", name)))
            flags = old_prop.value if isinstance(old_prop.value, dict) else {}
            if name not in nprops:
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
            new_prop, _ = self.new.deref(Node(nprops[name], n.uri, n.at("properties", name)))
            flags = new_prop.value if isinstance(new_prop.value, dict) else {}
            if name in oprops:
                continue
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
            out.extend(self._requiredness(o, n, name, old_node, new_node, name in oreq, name in nreq, request))
            out.extend(f.under(name) for f in self.compare(old_node, new_node, direction))
        return out

    def _requiredness(
        self, o: Node, n: Node, name: str, old_node: Node, new_node: Node, was: bool, now: bool, request: bool
    ) -> list[Fact]:
        ov = self.old.deref(old_node)[0].value
        nv = self.new.deref(new_node)[0].value
        ov = ov if isinstance(ov, dict) else {}
        nv = nv if isinstance(nv, dict) else {}
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
