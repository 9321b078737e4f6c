"""Which schemas the compiled generators answer validly by construction, so that their values need no final check.

Every generator checks what it draws where it is drawn: a string against its own keywords, a number against its
bounds and step, an example or default against its node, a ``oneOf`` value against the whole ``oneOf``, a node with
``not``/``if`` against that node. What only the final validation used to catch are the constructions the generators
approximate: ``allOf`` and a ``$ref`` with constraining siblings (``flatten`` merges them with loss, on purpose), an
``anyOf`` with keywords of its own, ``patternProperties``, ``propertyNames`` beyond lengths, ``uniqueItems``,
``contains``, a ``minProperties`` above the required count (or a ``maxProperties`` below it), dependent, unevaluated
and content keywords, a discriminator whose value is forced without a ``oneOf`` to check it, a ``const`` or ``enum``
beside keywords its values might break, a required property that ``additionalProperties: false`` forbids.
A schema with none of these anywhere (its root and every definition it reaches) is *exact*: each value its
generator returns is valid, and ``Generator`` checks one value in ``SAMPLE_EVERY`` only (every value with
``CTK_CHECK_GENERATED=1``), as a guard against a mistake in this reasoning; tests/openapi/test_generate_fast.py
checks exact generators over the corpus and many seeds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from toolkit.openapi.jsonschema import NULL_BY_NULLABLE

SAMPLE_EVERY = 64  # one value in 64 of an exact generator is still checked with the full validator

# keywords that only annotate, or that the generators check where they draw (not/if/then/else: ``_checked``)
_ANNOTATIONS = frozenset({"title", "description", "examples", "default", "deprecated", "readOnly", "writeOnly",
                          "$comment", NULL_BY_NULLABLE})  # fmt: skip
_CHECKED = frozenset({"not", "if", "then", "else"})
_HANDLED = frozenset({"type", "properties", "required", "additionalProperties", "items", "prefixItems", "minItems",
                      "maxItems", "minLength", "maxLength", "pattern", "format", "minimum", "maximum",
                      "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "oneOf", "anyOf", "$ref",
                      "minProperties", "maxProperties", "propertyNames", "discriminator", "const",
                      "enum"})  # fmt: skip
_ALLOWED = _ANNOTATIONS | _CHECKED | _HANDLED
# compiler._NOT_BASE without what is refused here anyway: the keys of an anyOf node not merged into its branches
_ANYOF_OWN = frozenset({"anyOf", "oneOf", "examples", "default", "description", "title", "readOnly", "writeOnly",
                        "deprecated", NULL_BY_NULLABLE})  # fmt: skip
_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,), "array": (list,),
    "object": (dict,), "null": (type(None),),
}  # fmt: skip


def exact(document: Any) -> bool:
    """Whether every value the generator of ``document`` (a validator's JSON Schema, with its ``$defs``) returns
    is valid by construction (see the module's docstring)."""
    if not isinstance(document, dict):
        return False
    stack: list[Any] = [{key: value for key, value in document.items() if key not in ("$defs", "$schema")}]
    defs = document.get("$defs")
    if defs is not None:
        if not isinstance(defs, dict):
            return False
        stack.extend(defs.values())
    while stack:
        node = stack.pop()
        if isinstance(node, bool):
            continue  # true: any value; false: no value at all, the generator gives up
        if not isinstance(node, dict) or not _node_exact(node):
            return False
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), (dict, bool)):
                stack.append(node[key])
        for key in ("prefixItems", "oneOf", "anyOf"):
            parts = node.get(key)
            if parts is not None:
                if not isinstance(parts, list):
                    return False
                stack.extend(parts)
        properties = node.get("properties")
        if properties is not None:
            if not isinstance(properties, dict):
                return False
            stack.extend(properties.values())
    return True


def _node_exact(node: dict[str, Any]) -> bool:
    for key in node:
        if key not in _ALLOWED and not (key.startswith("x-") and key != "x-unmerged"):
            return False
    if "const" in node or "enum" in node:
        values = [node["const"]] if "const" in node else node["enum"]
        # the value drawn is returned as it is: nothing else may constrain it but its type
        if not isinstance(values, list) or set(node) - _ANNOTATIONS - {"const", "enum", "type"}:
            return False
        return all(_typed_as(value, node.get("type")) for value in values)
    ref = node.get("$ref")
    if ref is not None and (not isinstance(ref, str) or set(node) - _ANNOTATIONS - {"$ref"}):
        return False  # a $ref with constraining siblings is flattened, with loss
    if "anyOf" in node and set(node) - _ANYOF_OWN:
        return False  # each branch merged with the anyOf's own keywords (flattened, with loss), and never checked
    if "discriminator" in node and "oneOf" not in node:
        return False  # the discriminator's value is forced into the object, and only a oneOf checks it
    required = node.get("required", [])
    if not isinstance(required, list):
        return False
    low = node.get("minProperties", 0)
    if type(low) is not int or low > len(required):
        return False  # minProperties beyond the required: filled from optional or extra members, not always enough
    high = node.get("maxProperties")
    if high is not None and (type(high) is not int or high < len(required)):
        return False  # optional members are dropped down to maxProperties, never required ones
    properties = node.get("properties") or {}
    if not isinstance(properties, dict):
        return False
    if node.get("additionalProperties") is False and any(name not in properties for name in required):
        return False
    return _names_exact(node.get("propertyNames"), [*properties, *required])


def _names_exact(names: Any, declared: list[Any]) -> bool:
    """``propertyNames`` the object generator keeps: lengths, which it checks on each name it draws, and which the
    declared names (checked here) meet."""
    if names is None or names is True:
        return True
    if not isinstance(names, dict) or set(names) - {"maxLength", "minLength", "type", "description"}:
        return False
    shortest, longest = names.get("minLength", 0), names.get("maxLength")
    if type(shortest) is not int or (longest is not None and type(longest) is not int):
        return False
    if names.get("type", "string") != "string":
        return False
    return all(isinstance(name, str) and shortest <= len(name) <= (longest if longest is not None else len(name))
               for name in declared)  # fmt: skip


def _typed_as(value: Any, declared: Any) -> bool:
    if declared is None:
        return True
    kinds = [declared] if isinstance(declared, str) else declared
    if not isinstance(kinds, list):
        return False
    for kind in kinds:
        python = _PYTHON_TYPES.get(kind) if isinstance(kind, str) else None
        if python is None:
            continue
        if isinstance(value, bool) and kind not in ("boolean",):
            continue  # JSON's true is no number
        if kind == "integer" and isinstance(value, float) and not value.is_integer():
            continue
        if isinstance(value, python):
            return True
    return False


_PLAIN_OBJECT = frozenset({"type", "properties", "required", "additionalProperties"}) | _ANNOTATIONS


def member_check(document: Any, checker_of: Callable[[Any], Any]) -> Callable[[str, Any], bool] | None:
    """For a schema that is one plain object (through ``$ref``s; no keyword relating members to each other), whether
    a member ``(name, value)`` fits it: a valid object with that member replaced or added stays valid exactly when
    it does. None for any other schema (the whole object is then checked). ``checker_of`` compiles a subschema."""
    if not isinstance(document, dict):
        return None
    defs = document.get("$defs") or {}
    node: Any = {key: value for key, value in document.items() if key not in ("$defs", "$schema")}
    for _ in range(8):  # a chain of plain references to the object
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not isinstance(ref, str) or set(node) - _ANNOTATIONS - {"$ref"} or not ref.startswith("#/$defs/"):
            break
        node = defs.get(ref[len("#/$defs/") :]) if isinstance(defs, dict) else None
    if not isinstance(node, dict) or set(node) - _PLAIN_OBJECT or node.get("type", "object") != "object":
        return None
    properties = node.get("properties") or {}
    additional = node.get("additionalProperties", True)
    if not isinstance(properties, dict) or not isinstance(additional, (bool, dict)):
        return None
    checks: dict[str, Callable[[Any], Any]] = {}  # per declared member (a few hundred at most): its check

    def fits(name: str, value: Any) -> bool:
        check = checks.get(name)
        if check is None:
            schema = properties.get(name, additional)
            if schema is True or schema == {}:
                check = _any
            elif schema is False:
                check = _none
            else:
                check = checker_of(schema).is_valid
            if name in properties:
                checks[name] = check
        return bool(check(value))

    return fits


def _any(value: Any) -> bool:
    return True


def _none(value: Any) -> bool:
    return False
