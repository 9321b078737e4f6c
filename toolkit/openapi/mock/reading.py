"""Reading a request's JSON and form text within the limits, in time linear in its size.

Each refusal here is a client's mistake and is answered 400/413/414 naming it, never a 500: a JSON
document nested deeper than ``max_nesting`` (Python's parser would raise RecursionError), a lone
surrogate (``"\\ud800"``: not Unicode, and no answer containing it could be encoded), a number over
Python's integer-digit limit or one that overflows to infinity (not JSON either), a form with more
than ``max_form_fields`` fields (413; a query string: 414) or with brackets deeper than ``max_nesting``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from toolkit.mock.json_body import echo_fits, json_nesting_exceeds, load_json
from toolkit.mock.problem import clip

__all__ = ["Refusal", "echo_fits", "json_nesting_exceeds", "nest_form", "read_form", "read_json", "read_query"]


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a request part cannot be read, and the status that says so."""

    detail: str
    status: int = 400


def read_json(raw: bytes | str, max_nesting: int, what: str = "the body") -> tuple[Any, Refusal | None]:
    """The JSON value of ``raw``, or why it is not one the mock can take (``toolkit.mock.json_body``, shared
    by every protocol)."""
    value, refused = load_json(raw, max_nesting)
    if refused is not None:
        return None, Refusal(f"{what} {refused.reason}")
    return value, None


def read_query(query: str, max_fields: int) -> tuple[list[tuple[str, str]], Refusal | None]:
    """A query string's fields, at most ``max_fields`` (counted on the text before any is split). More is
    414 URI Too Long, as more form fields in a body is 413 Content Too Large: a request part over its size
    limit, refused even with --no-validate (it was not read whole)."""
    if not query:
        return [], None  # most requests: nothing to split
    try:
        return parse_qsl(query, keep_blank_values=True, max_num_fields=max_fields), None
    except ValueError:
        return [], Refusal(f"the query string has more than {max_fields} fields (the limit max_form_fields)", 414)


def read_form(text: str, max_fields: int, max_nesting: int) -> tuple[dict[str, Any], Refusal | None]:
    """A form-urlencoded body as nested values (see ``nest_form``), within the limits."""
    try:
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=max_fields)
    except ValueError:
        return {}, Refusal(f"the form has more than {max_fields} fields (the limit max_form_fields)", 413)
    return nest_form(pairs, max_nesting)


def nest_form(pairs: list[tuple[str, Any]], max_nesting: int) -> tuple[dict[str, Any], Refusal | None]:
    """Form fields with bracket names (``metadata[key]``, ``items[0][price]``, ``expand[]``) as nested
    values, the way Stripe-style APIs and most server frameworks read them; repeated keys become lists.

    Numeric brackets are read as keys first and become a list only when they count 0, 1, 2, … with no
    gap: ``metadata[99999]`` stays a key (a client's own data), and no index can make the mock allocate
    a list of that length. Linear in the fields: a repeated key appends to its list in place."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        head, bracket, rest = key.partition("[")
        if not bracket:
            existing = root.get(head, _ABSENT)
            if existing is _ABSENT:
                root[head] = value
            elif isinstance(existing, list):
                existing.append(value)
            else:
                root[head] = [existing, value]
            continue
        if key.count("[") > max_nesting:
            name = clip(key, 80)
            return {}, Refusal(
                f"the form field {name} nests deeper than {max_nesting} brackets (the limit max_nesting)"
            )
        tokens = [head] + [t.rstrip("]") for t in ("[" + rest).split("[")[1:]]
        node: Any = root
        for position, token in enumerate(tokens):
            last = position == len(tokens) - 1
            following = tokens[position + 1] if not last else None
            if isinstance(node, list):  # made by "[]": each "[]" appends
                if token != "":
                    break
                if last:
                    node.append(value)
                else:
                    node.append([] if following == "" else {})
                    node = node[-1]
                continue
            if last:
                node[token] = value
            else:
                if not isinstance(node.get(token), (dict, list)):
                    node[token] = [] if following == "" else {}
                node = node[token]
    return {name: _listify(item) for name, item in root.items()}, None  # the root's keys are field names


_ABSENT = object()


def _listify(node: Any) -> Any:
    """Dicts keyed "0", "1", … "n-1" (exactly: no "01", no gap) as lists, at every depth (at most max_nesting)."""
    if isinstance(node, list):
        return [_listify(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _listify(item) for key, item in node.items()}
    # compared as strings: int() of a 5 000-digit key would raise (Python's integer-digit limit)
    if out and all(key.isdecimal() for key in out) and set(out) == {str(index) for index in range(len(out))}:
        return [out[str(index)] for index in range(len(out))]
    return out
