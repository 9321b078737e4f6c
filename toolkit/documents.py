"""JSON and YAML documents: parsing with positions in errors, and pointers mapped back to lines.

Parsing uses the C parsers (json, libyaml) because a Stripe-size spec must load in well under a
second. Line numbers are not kept while parsing (that would double the cost of every load);
``PointerLines`` recovers the line of a JSON pointer on demand, only when a message needs one.
"""

from __future__ import annotations

import json
import re
import sys
from typing import TYPE_CHECKING, Any

import yaml

from toolkit.errors import ParseError, SourceError
from toolkit.limits import MAX_NODES_ENV

if TYPE_CHECKING:
    from toolkit.sources import Source

_CLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _ContractLoader(_CLoader):  # type: ignore[misc,valid-type]
    """YAML as JSON sees it: dates stay strings and mapping keys are strings (``200:`` -> "200").

    YAML 1.1 would turn ``2027-06-30`` into a date and status codes into ints, and neither
    survives JSON Schema validation or JSON output.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        if all(type(key) is str for key in mapping):
            return mapping  # type: ignore[no-any-return]
        return {_key_text(key): value for key, value in mapping.items()}


def _key_text(key: Any) -> str:
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    return str(key)


_ContractLoader.yaml_implicit_resolvers = {
    first: [entry for entry in resolvers if entry[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _CLoader.yaml_implicit_resolvers.items()
}
_ContractLoader.add_constructor("tag:yaml.org,2002:map", _ContractLoader.construct_yaml_map)


def looks_like_json(text: str) -> bool:
    return text.lstrip()[:1] in ("{", "[")


def parse_json(source: Source, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"invalid JSON: {exc.msg}",
            where=f"{source.name}:{exc.lineno}:{exc.colno}",
            hint="check the syntax near this place",
        ) from None
    except RecursionError:
        raise ParseError("invalid JSON: nested too deeply", where=source.name) from None
    except ValueError as exc:  # not a JSONDecodeError: an integer longer than Python converts
        raise _unconvertible(source, text, "JSON", exc) from None


def _unconvertible(source: Source, text: str, kind: str, exc: ValueError) -> ParseError:
    """A value the parser could not convert; most often an integer longer than Python converts
    (``sys.get_int_max_str_digits()``, the CVE-2020-10735 guard), which is placed by its line."""
    limit = sys.get_int_max_str_digits()
    # Anchored at the start of a digit run: an unanchored \d{N,} retries from every digit of every shorter run,
    # quadratic on a contract full of long numbers (7.9 s on 1.3 MB).
    found = re.search(rf"(?<!\d)\d{{{limit + 1}}}", text) if limit else None
    if found is None:
        return ParseError(f"invalid {kind}: a value cannot be read ({exc})", where=source.name)
    return ParseError(
        f"invalid {kind}: a number has more than {limit} digits",
        where=f"{source.name}:{text.count(chr(10), 0, found.start()) + 1}",
        hint="write such a value as a string",
    )


MAX_FLOW_DEPTH = 2000
_FLOW_BRACKET = re.compile(r"[\[\]{}]")


def _flow_depth_exceeds(text: str, limit: int) -> bool:
    """True when ``[``/``{`` nest deeper than ``limit``.

    libyaml recurses in C on flow collections and overflows the C stack (a segfault, which no
    ``except`` can catch) somewhere past 20 000 levels, so depth is bounded before it parses.
    Brackets inside quoted strings are counted too: that only errs towards refusing absurd input.
    """
    if text.count("[") + text.count("{") <= limit:
        return False  # the common case costs two C-speed counts
    depth = 0
    for match in _FLOW_BRACKET.finditer(text):
        if match.group() in "[{":
            depth += 1
            if depth > limit:
                return True
        elif depth:
            depth -= 1
    return False


def parse_yaml(source: Source, text: str) -> Any:
    if _flow_depth_exceeds(text, MAX_FLOW_DEPTH):
        raise ParseError(f"invalid YAML: nested deeper than {MAX_FLOW_DEPTH} levels", where=source.name)
    try:
        return yaml.load(text, Loader=_ContractLoader)  # noqa: S506 - a safe loader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source.name}:{mark.line + 1}:{mark.column + 1}" if mark else source.name
        problem = exc.problem or exc.context or "syntax error"
        start = exc.context_mark
        if exc.context and start is not None and mark is not None and start.line != mark.line:
            problem += f" ({exc.context} at line {start.line + 1})"
        raise ParseError(f"invalid YAML: {problem}", where=where, hint="check the indentation and quoting") from None
    except yaml.YAMLError as exc:
        raise ParseError(f"invalid YAML: {exc}", where=source.name) from None
    except RecursionError:
        raise ParseError("invalid YAML: nested too deeply", where=source.name) from None
    except ValueError as exc:  # a constructor's conversion: an integer longer than Python converts
        raise _unconvertible(source, text, "YAML", exc) from None


def parse_data(source: Source, text: str) -> Any:
    """JSON when it looks like JSON, else YAML (a superset that would also accept most JSON)."""
    return parse_json(source, text) if looks_like_json(text) else parse_yaml(source, text)


def count_expanded(source: Source, text: str, document: Any, limit: int, *, already: int = 0) -> int:
    """The nodes of ``document`` once its YAML aliases are expanded (every value and container counts 1).

    A YAML alias shares one object from many places, so a 2 KB file of nested aliases ("billion
    laughs") expands to billions of nodes in any walk that does not track identity: a validator, a
    schema conversion, a diff. Counting is linear in the *distinct* containers (each one's expanded
    size is computed once, by identity) and stops at the first container that takes the total past
    ``limit`` (less ``already``, the contract's documents counted before). That container is named,
    with its line. A recursive alias (a container inside itself) has no expansion and is refused.
    """
    budget = limit - already
    sizes: dict[int, int] = {}
    in_progress = -1
    stack: list[tuple[Any, bool]] = [(document, False)]
    while stack:
        node, children_done = stack.pop()
        children = node.values() if type(node) is dict else node
        if children_done:
            total = 1 + sum(sizes[id(child)] if type(child) in (dict, list) else 1 for child in children)
            if total > budget:
                raise _too_large(source, text, document, node, limit, already)
            sizes[id(node)] = total
            continue
        if id(node) in sizes:
            continue  # shared by an alias: already counted (or being counted, seen from a sibling's subtree)
        sizes[id(node)] = in_progress
        stack.append((node, True))
        for child in children:
            if type(child) in (dict, list):
                state = sizes.get(id(child))
                if state == in_progress:  # only the containers on the path being walked are in progress
                    raise _recursive(source, text, document, child)
                if state is None:
                    stack.append((child, False))
    return sizes[id(document)] if type(document) in (dict, list) else 1


def _too_large(source: Source, text: str, document: Any, node: Any, limit: int, already: int) -> SourceError:
    place = _place(source, text, document, node)
    together = " with the contract's other documents" if already else ""
    return SourceError(
        f"expands to more than {limit:,} nodes{together} once its YAML aliases are expanded "
        "(an alias bomb?); the contract is refused",
        where=place,
        hint=f"remove the repeated aliases, or raise max_expanded_nodes ({MAX_NODES_ENV}) if the contract is real",
    )


def _recursive(source: Source, text: str, document: Any, node: Any) -> ParseError:
    return ParseError(
        "contains itself through a YAML alias (a recursive alias), which no JSON document can",
        where=_place(source, text, document, node),
        hint="replace the recursive alias with a $ref",
    )


def _place(source: Source, text: str, document: Any, node: Any) -> str:
    """``file:line (#/pointer)`` of the container ``node`` (by identity) in ``document``."""
    json_pointer = _pointer_to(document, node)
    if json_pointer is None:
        return source.name
    line = PointerLines(text).line(json_pointer) if text else None
    return f"{source.name}:{line} (#{json_pointer})" if line else f"{source.name}#{json_pointer}"


def _pointer_to(document: Any, target: Any) -> str | None:
    """Breadth-first, each container once: the shortest pointer, found without expanding aliases."""
    queue: list[tuple[Any, tuple[str | int, ...]]] = [(document, ())]
    seen: set[int] = set()
    for node, path in queue:  # the list grows while it is walked
        if node is target:
            return pointer(*path)
        if id(node) in seen:
            continue
        seen.add(id(node))
        items = node.items() if type(node) is dict else enumerate(node)
        queue.extend((value, (*path, key)) for key, value in items if type(value) in (dict, list))
    return None


def unescape_pointer_token(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def escape_pointer_token(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def pointer(*tokens: str | int) -> str:
    return "".join("/" + escape_pointer_token(str(token)) for token in tokens)


class PointerLines:
    """Maps JSON pointers of one JSON/YAML text to 1-based lines.

    Composes the YAML node tree (JSON is YAML too) once, on first use, which costs about as much
    as a load; so it is only built to place messages, never on a clean load.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._root: yaml.Node | None = None
        self._composed = False

    def line(self, json_pointer: str) -> int | None:
        """The line of the node ``json_pointer`` names (of its key, inside a mapping), or of its
        nearest existing parent; None when the text cannot be composed."""
        if not self._composed:
            self._composed = True
            try:
                self._root = yaml.compose(self.text, Loader=_CLoader)
            except (yaml.YAMLError, RecursionError):
                self._root = None
        node = self._root
        if node is None:
            return None
        line = int(node.start_mark.line)
        tokens = [unescape_pointer_token(t) for t in json_pointer.split("/")[1:]] if json_pointer else []
        for token in tokens:
            child = None
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if isinstance(key, yaml.ScalarNode) and key.value == token:
                        child, line = value, int(key.start_mark.line)
                        break
            elif isinstance(node, yaml.SequenceNode) and token.isdigit() and int(token) < len(node.value):
                child = node.value[int(token)]
                line = int(child.start_mark.line)
            if child is None:
                break
            node = child
        return line + 1
