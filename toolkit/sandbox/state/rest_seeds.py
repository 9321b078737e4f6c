"""Seed items for REST state, checked against the contract: ``{"customers": [{"id": "cus_1", ...}]}``.

Keyed by the collection's path as the contract writes it, without the mount (``customers``, ``/customers``,
``customers/{customer_id}/sources``), or by its last segment when only one collection ends so (``sources``).
Each item must validate against the item's answer schema (the item GET's, else the create's or the PUT's:
``Collection.item_validator``, the same check the contract's example seeds pass) and carry the id property;
a nested item names its parents (``customer_id`` or ``customer``) and its parent must be seeded too (or be a
contract example), since a nested item exists only under an existing parent. Items join the collection's
example seeds (a file item with an example's id replaces it), read through and never copied, like them; a
collection that was stateless only because nothing could be in it becomes stateful.
"""

from __future__ import annotations

from toolkit.sandbox.state.rest_model import Collection, RestModel, is_identifier, parents_named
from toolkit.sandbox.state.seeds import SeedFile, SeedItem, did_you_mean

__all__ = ["apply_seeds"]


def apply_seeds(model: RestModel, seeds: SeedFile) -> None:
    """Add the seed file's items to ``model``'s collections (a ``ConfigError`` naming file, line and item)."""
    known = {collection.template: collection for collection in model.collections}
    known |= {template: collection for template, (collection, _) in model.dormant.items()}
    chosen = [(_collection(key, known, model, seeds), items) for key, items in seeds.entries.items()]
    # parents before their nested collections: a nested item's parent must already be seeded
    for collection, items in sorted(chosen, key=lambda pair: pair[0].template.count("/")):
        if collection.template in model.dormant:
            _wake(model, collection)
        seen: set[tuple[tuple[str, ...], str]] = set()
        for item in items:
            parents, identifier = _checked(collection, item)
            if (parents, identifier) in seen:
                raise item.refuse(f"the {collection.noun} {identifier!r} is seeded twice")
            seen.add((parents, identifier))
            collection.seeds.setdefault(parents, {})[identifier] = item.value


def _collection(key: str, known: dict[str, Collection], model: RestModel, seeds: SeedFile) -> Collection:
    template = "/" + key.strip("/")
    if template in known:
        return known[template]
    ending = [c for t, c in known.items() if t.rsplit("/", 1)[-1] == key.strip("/")]
    if len(ending) == 1:
        return ending[0]
    names = sorted(t.lstrip("/") for t in known)
    why = next((line for line in model.stateless if line.startswith(f"{template}: ")), None)
    if why is not None:
        problem = f"{key!r} is a collection ctk keeps no state for ({why.partition(': ')[2]})"
        return _refused(seeds, key, problem, None)
    hint = did_you_mean(key.strip("/"), names) or (
        f"the collections with state: {', '.join(names)}" if names else "this contract has no collection with state"
    )
    return _refused(seeds, key, f"the contract has no collection {key!r}", hint)


def _refused(seeds: SeedFile, key: str, problem: str, hint: str | None) -> Collection:
    raise seeds.refuse_key(key, problem, hint)


def _checked(collection: Collection, item: SeedItem) -> tuple[tuple[str, ...], str]:
    """The item's parent ids and id, once it fits the contract."""
    value = item.value
    errors = collection.item_validator.errors(value)
    if errors:
        pointer, message = errors[0]
        raise item.refuse(
            f"does not fit the {collection.noun} schema: at {pointer or '/'}: {message}",
            hint=f"an item must be a valid answer of GET {collection.item_template}",
        )
    identifier = value.get(collection.id_field)
    if not is_identifier(identifier):
        raise item.refuse(
            f"each {collection.noun} needs its id property {collection.id_field!r} (a string or an integer)"
        )
    parents = parents_named(value, collection.parent_parameters)
    if parents is None:
        names = " and ".join(repr(name) for name in collection.parent_parameters)
        raise item.refuse(f"a nested {collection.noun} names its parent: {names} (or the name without _id) is missing")
    parent = collection.parent
    if parent is not None:
        named = dict(zip(collection.parent_parameters, parents, strict=True))
        parent_key = named[parent.item_parameter]
        if parent_key not in parent.seeds_for(parents[: len(parent.parent_parameters)]):
            raise item.refuse(
                f"its {parent.noun} {parent_key!r} is neither seeded nor a contract example",
                hint=f"seed the {parent.noun} under {parent.template.lstrip('/')!r} too",
            )
    return parents, str(identifier)


def _wake(model: RestModel, collection: Collection) -> None:
    """A dormant collection made stateful, and the nested collections under its items given it as parent."""
    model.wake(collection.template)
    for nested in model.collections:
        if nested.parent is None and _under(nested.template) == collection.item_template:
            nested.parent = collection


def _under(template: str) -> str:
    """The item template a collection's template is nested under (``/customers/{customer_id}`` for
    ``/customers/{customer_id}/sources``), as ``rest_model`` finds a parent; "" for a top-level one."""
    segments = template.split("/")
    while segments and not (segments[-1].startswith("{") and segments[-1].endswith("}")):
        segments.pop()
    return "/".join(segments)
