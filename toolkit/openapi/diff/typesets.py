"""How a change of ``type`` or ``format`` reads to a client, by where the value travels (oasdiff's type lattice).

A schema's type is a *set* (3.1 ``type: [string, integer]``; 3.0 a set of one; untyped: no constraint),
compared without ``null`` (nullability has its own rules). Whether a change breaks a client depends on
the direction and on whether values travel as JSON (``1`` and ``"1"`` differ) or as text (XML, forms,
headers, parameters: every value can be read as a string):

- a request accepts more when its set grows, its type is removed, or ``integer`` becomes ``number``;
- a response returns less when its set shrinks or gains a type where it had none, and more (breaking)
  when its set grows or loses its type;
- a format change breaks unless it widens in the reader's favour (``int32`` → ``int64`` for what is
  sent, the reverse for what is returned; ``date`` → ``date-time``) or removes the format a sender had.

The verdict is a rule *suffix* (``type-changed``, ``type-generalized``, ``type-specialized``,
``type-compatible``) that ``emit`` prefixes by place, as oasdiff names its rules. Parameters are text
on the wire, except an object parameter's properties, whose serialisation the contract does not fix:
where JSON and text disagree the change is a warning (``type-changed``), as oasdiff grades it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

# format widenings a reader of the new format still understands: type → {(old, new)}
_FORMAT_WIDENINGS = {
    "number": {("float", "double")},
    "integer": {("int32", "int64"), ("int32", "bigint"), ("int64", "bigint")},
    "string": {("date", "date-time"), ("time", "date-time")},
}


@dataclass(frozen=True, slots=True)
class TypeChange:
    """The non-null types and formats of a schema before and after (``None``: no format)."""

    old: frozenset[str]
    new: frozenset[str]
    old_format: Any = None
    new_format: Any = None
    # a query/cookie parameter widened from a scalar to an array whose items accept every old value
    scalar_fits_items: bool = False

    @property
    def types_differ(self) -> bool:
        return self.old != self.new

    def words(self) -> str:
        if self.types_differ:
            return f"type changed from `{_show(self.old)}` to `{_show(self.new)}`"
        return f"format changed from `{self.old_format or 'none'}` to `{self.new_format or 'none'}`"


def _show(types: frozenset[str]) -> str:
    return "/".join(sorted(types)) or "any"


def _subtype(sub: str, sup: str) -> bool:
    return sub == sup or (sub == "integer" and sup == "number")


def _covered(sub: frozenset[str], sup: frozenset[str]) -> bool:
    """Every type of ``sub`` (non-empty) is one of ``sup``'s, or within one (integer within number)."""
    return bool(sub) and all(any(_subtype(t, s) for s in sup) for t in sub)


def type_contained(to: frozenset[str], gone: frozenset[str], strongly: bool) -> bool:
    """Whether values of the ``gone`` types are still read as one of the ``to`` types (oasdiff's isTypeContained)."""
    if len(to) == 1 and len(gone) == 1 and _subtype(next(iter(gone)), next(iter(to))):
        return True
    if not strongly:  # anything can be read as a string where values are text
        return not to or to == {"string"}
    return False


def _format_contained(types: frozenset[str], to: Any, before: Any) -> bool:
    """Whether a reader of format ``to`` understands values of format ``before`` (``to`` absent: any)."""
    if not to:
        return True
    if len(types) != 1:
        return False
    return (before, to) in _FORMAT_WIDENINGS.get(next(iter(types)), set())


def _breaking(change: TypeChange, strongly: bool, toward_new: bool, *, types_safe: bool = False) -> bool:
    """oasdiff's typeOrFormatBreaking, evaluated toward the reader: NEW for a request, OLD for a response.
    ``types_safe``: the type sets are known to be compatible (a request's set widened, a response's narrowed),
    so only the format is judged."""
    to, frm = (change.new, change.old) if toward_new else (change.old, change.new)
    type_breaking = not types_safe and change.types_differ and not type_contained(to - frm, frm - to, strongly)
    to_format, from_format = (
        (change.new_format, change.old_format) if toward_new else (change.old_format, change.new_format)
    )
    format_breaking = to_format != from_format and not _format_contained(to, to_format, from_format)
    return type_breaking or format_breaking


def request_rule(change: TypeChange, strongly: bool) -> str:
    """A request body or property: changed (breaking), compatible (safe only as text) or generalized."""
    widened = change.types_differ and _covered(change.old, change.new)
    # no type left: the server accepts any value
    untyped = change.types_differ and not change.new
    if not untyped and _breaking(change, strongly, toward_new=True, types_safe=widened):
        return "type-changed"
    if change.types_differ and change.old and change.new and not widened:
        return "type-compatible"
    return "type-generalized"


def response_rule(change: TypeChange, strongly: bool) -> str:
    """A response body, property or header: changed or generalized (breaking), compatible or specialized."""
    narrowed = change.types_differ and _covered(change.new, change.old)
    widened = change.types_differ and _covered(change.old, change.new)
    # a type where there was none: the server returns a subset of what it could
    was_untyped = change.types_differ and not change.old and not narrowed
    if not was_untyped and _breaking(change, strongly, toward_new=False, types_safe=narrowed):
        return "type-generalized" if widened else "type-changed"
    if change.types_differ and change.old and change.new and not narrowed:
        return "type-compatible"
    return "type-specialized"


def parameter_rule(change: TypeChange, form_explode: bool) -> str:
    """A parameter's own value, text on the wire: changed or generalized.

    A query or cookie parameter serialised form/explode (their default) that becomes an array is read
    from ``?color=red`` as a one-element array, so the widening is safe when the items accept every
    old value (``TypeChange.scalar_fits_items``).
    """
    if not _breaking(change, strongly=False, toward_new=True):
        return "type-generalized"
    only_array_added = change.new - change.old == {"array"} and bool(change.old)
    if form_explode and only_array_added and change.scalar_fits_items:
        return "type-generalized"
    return "type-changed"


def parameter_property_rule(change: TypeChange) -> str:
    """A property of an object parameter, serialised as JSON or as text: the contract does not say which."""
    as_json = _breaking(change, strongly=True, toward_new=True)
    as_text = _breaking(change, strongly=False, toward_new=True)
    if as_json != as_text:
        return "type-changed"  # a warning: breaking in one serialisation only
    return "type-specialized" if as_json else "type-generalized"


def type_pattern(schema: dict[str, Any], members: Callable[[str], Iterable[Any]]) -> tuple[frozenset[str], bool] | None:
    """The types a schema allows as a *list of types* — ``oneOf``/``anyOf`` of single-typed scalar schemas
    (``members(keyword)``: its members, ``$ref``s followed, asked only when needed) — or as its own ``type``:
    (types, True when a list). None when it is neither (objects, ``allOf``, ``not``, members that are not one
    plain type).

    As oasdiff reads it: a ``type`` keyword wins, and only its first type counts.
    """
    if schema.get("not") is not None or schema.get("allOf") or schema.get("properties"):
        return None
    raw = schema.get("type")
    if isinstance(raw, str) or (isinstance(raw, list) and raw):
        return frozenset([str(raw if isinstance(raw, str) else raw[0])]), False
    for keyword in ("oneOf", "anyOf"):
        if keyword not in schema:
            continue
        types: set[str] = set()
        for member in members(keyword):
            single = _single_type(member)
            if single is None:
                break  # not a list of types: no need to read the other members
            types.add(single)
        else:
            if types:
                return frozenset(types), True
    return None


def _single_type(schema: Any) -> str | None:
    if not isinstance(schema, dict) or any(schema.get(k) for k in ("properties", "oneOf", "anyOf", "allOf")):
        return None
    raw = schema.get("type")
    if isinstance(raw, list):
        return str(raw[0]) if len(raw) == 1 else None
    return raw if isinstance(raw, str) else None


def list_of_types_rule(
    old: tuple[frozenset[str], bool] | None, new: tuple[frozenset[str], bool] | None, direction: str
) -> str | None:
    """``list-of-types-widened``/``-narrowed`` when a single type became a list of types, or back, or a list
    changed (a request accepts fewer when a type leaves, a response returns more when one arrives)."""
    if old is None or new is None or not (old[1] or new[1]) or old[0] == new[0]:
        return None
    if direction == "request":
        return "list-of-types-narrowed" if old[0] - new[0] else "list-of-types-widened"
    return "list-of-types-widened" if new[0] - old[0] else "list-of-types-narrowed"
