"""The admin API's view of an API's state: ``/__ctk/state/{api}[/{collection}]?session=``.

``GET /__ctk/state/{api}`` counts the items of each collection (REST: each top-level collection, by its path
without the leading ``/``, e.g. ``customers``; SOAP: each entity, ``Account``; GraphQL: each object type,
``Product``) as a session sees them: seeded items not deleted, then created ones. ``GET .../{collection}``
lists them (SOAP: each entity's XML text), ``POST`` adds an item or a list of items, checked as a seed file's
items are (``state/seeds.py`` and the protocol's ``*_seeds.py``: a 422 names the item and what does not fit),
``DELETE`` empties the collection for the session (created items removed, seeded ones marked deleted). A nested
REST collection (``customers/{customer_id}/sources``) takes its parents' ids as query parameters named like the
path's (``?customer_id=cus_1``). Everything goes through the layer's own namespaces, so what the admin API
writes is what the API then answers.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolkit.errors import ConfigError
from toolkit.exchange import MockResult, Request
from toolkit.model import Protocol
from toolkit.sandbox.admin.answers import BadRequestError, body_of, json_answer, problem, session_named, shown
from toolkit.sandbox.state.seeds import SeedFile, SeedItem, did_you_mean
from toolkit.sandbox.stores import StoreError, StoreFullError

if TYPE_CHECKING:
    from toolkit.sandbox.admin.api import AdminRouter
    from toolkit.sandbox.admin.runtime import ApiRuntime

__all__ = ["answer"]

MAX_ITEMS = 1000  # items one POST adds
MAX_LISTED = 10_000  # items one GET lists


def answer(router: AdminRouter, request: Request, rest: list[str]) -> MockResult:
    api = router.api_named(rest[0])
    layer = api.layer("state")
    if layer is None:
        raise BadRequestError(problem(422, f"{api.label} keeps no state", kind="no-state",
                                      hint=f"set state = true in [apis.{api.label}] of sandbox.toml, or ctk serve "
                                           "--state"))  # fmt: skip
    try:
        fields = dict(request.query_items(max_fields=20))
    except ValueError:
        raise BadRequestError(problem(400, "at most 20 query parameters", kind="invalid-query")) from None
    session = session_named(fields.pop("session", None), "query session")
    view = _view(api, layer)
    method = request.method.upper()
    try:
        if len(rest) == 1:
            return json_answer({"collections": view.counts(session)})
        name = "/".join(rest[1:])
        if method in ("GET", "HEAD"):
            items = view.items(session, name, fields)
            return json_answer({"items": items[:MAX_LISTED], "total": len(items)})
        if method == "DELETE":
            return json_answer({"deleted": view.delete(session, name, fields)})
        document = body_of(request, router.max_nesting, required=True)
        values = document if isinstance(document, list) else [document]
        if len(values) > MAX_ITEMS:
            raise BadRequestError(problem(413, f"at most {MAX_ITEMS} items per request", kind="too-many-items"))
        added = view.add(session, name, values)
        return json_answer({"added": added}, status=201)
    except (StoreError, StoreFullError) as error:
        status = 507 if isinstance(error, StoreFullError) else 503
        return problem(status, f"the sandbox's store failed: {error.message}", kind="store-failed")


class _View:
    """One protocol's collections, as the admin API reads and writes them."""

    def __init__(self, api: ApiRuntime, layer: Any) -> None:
        self.api = api
        self.layer = layer
        self.store = layer._store

    def names(self) -> list[str]:
        raise NotImplementedError

    def counts(self, session: str) -> dict[str, int]:
        return {name: len(self.items(session, name, {})) for name in self.names()}

    def items(self, session: str, name: str, fields: dict[str, str]) -> list[Any]:
        raise NotImplementedError

    def delete(self, session: str, name: str, fields: dict[str, str]) -> int:
        raise NotImplementedError

    def add(self, session: str, name: str, values: list[Any]) -> list[str]:
        raise NotImplementedError

    def unknown(self, name: str) -> BadRequestError:
        names = self.names()
        hint = did_you_mean(name, names) or ""
        return BadRequestError(problem(404, f"{self.api.label} has no collection {shown(name)!r} with state; the "
                                            f"collections: {', '.join(names) or '(none)'}", kind="unknown-collection",
                                       hint=hint))  # fmt: skip

    def seed_file(self, name: str, values: list[Any]) -> SeedFile:
        """``values`` as a seed file's items under ``name`` (each must be an object)."""
        where = f"POST /__ctk/state/{self.api.label}/{name}"
        items = []
        for index, value in enumerate(values):
            if not isinstance(value, dict):
                raise BadRequestError(problem(422, f"item {index} must be a JSON object, not {type(value).__name__}",
                                              kind="invalid-item", where=f"body/{index}"))  # fmt: skip
            items.append(SeedItem(value, f"{name}[{index}]", where))
        return SeedFile(Path(where), {name: items})

    def refused(self, error: ConfigError) -> BadRequestError:
        return BadRequestError(problem(422, error.message, kind="invalid-item", hint=error.hint or "",
                                       where=error.where or ""))  # fmt: skip

    def forget(self, namespace: str, tombs: str, seeded: dict[str, Any], visible: int) -> int:
        """Empty a collection for a session: created items removed, seeded ones marked deleted."""
        for key, _ in self.store.items(namespace):
            self.store.delete(namespace, key)
        for key in seeded:
            self.store.put(tombs, key, True)
        return visible


class _Rest(_View):
    def collections(self) -> dict[str, Any]:
        return {collection.template.lstrip("/"): collection for collection in self.layer.model.collections}

    def names(self) -> list[str]:
        return [name for name, collection in self.collections().items() if not collection.parent_parameters]

    def counts(self, session: str) -> dict[str, int]:
        found = self.collections()
        return {name: len(self.layer._listed(session, found[name], ())) for name in self.names()}

    def _collection(self, name: str, fields: dict[str, str]) -> tuple[Any, tuple[str, ...]]:
        collection = self.collections().get(name.strip("/"))
        if collection is None:
            raise self.unknown(name)
        missing = [parameter for parameter in collection.parent_parameters if not fields.get(parameter)]
        if missing:
            raise BadRequestError(problem(422, f"{name} is nested: give its parents' ids as query parameters "
                                               f"{', '.join(missing)}", kind="missing-parents",
                                          where="query"))  # fmt: skip
        return collection, tuple(fields[parameter] for parameter in collection.parent_parameters)

    def items(self, session: str, name: str, fields: dict[str, str]) -> list[Any]:
        collection, parents = self._collection(name, fields)
        return list(self.layer._listed(session, collection, parents))

    def delete(self, session: str, name: str, fields: dict[str, str]) -> int:
        collection, parents = self._collection(name, fields)
        visible = len(self.layer._listed(session, collection, parents))
        namespace = self.layer._namespace(session, collection, parents)
        tombs = self.layer._tombs(session, collection, parents, example=True)
        return self.forget(namespace, tombs, collection.seeds_for(parents), visible)

    def add(self, session: str, name: str, values: list[Any]) -> list[str]:
        from toolkit.sandbox.state.rest_seeds import _checked

        collection = self.collections().get(name.strip("/"))
        if collection is None:
            raise self.unknown(name)
        seeds = self.seed_file(name, values)
        checked = []
        try:
            for item in seeds.entries[name]:
                checked.append((item.value, *_checked(collection, item)))
        except ConfigError as error:
            raise self.refused(error) from None
        for value, parents, identifier in checked:
            seeded = identifier in collection.seeds_for(parents)
            self.store.put(self.layer._namespace(session, collection, parents), identifier, value)
            self.store.delete(self.layer._tombs(session, collection, parents, example=seeded), identifier)
        return [identifier for _, _, identifier in checked]


class _Soap(_View):
    def names(self) -> list[str]:
        return sorted(self.layer.model.entities)

    def _entity(self, name: str) -> Any:
        entity = self.layer.model.entities.get(name)
        if entity is None:
            raise self.unknown(name)
        return entity

    def items(self, session: str, name: str, fields: dict[str, str]) -> list[Any]:
        return list(self.layer._items(session, self._entity(name)))

    def delete(self, session: str, name: str, fields: dict[str, str]) -> int:
        entity = self._entity(name)
        visible = len(self.layer._items(session, entity))
        seeded = self.layer.seeds.get(entity.name, {})
        return self.forget(self.layer._namespace(session, entity), self.layer._tombs(session, entity), seeded, visible)

    def add(self, session: str, name: str, values: list[Any]) -> list[str]:
        from toolkit.sandbox.state.soap_seeds import built_seeds

        entity = self._entity(name)
        try:
            built = built_seeds(self.layer.mock, self.layer.model, self.seed_file(name, values))
        except ConfigError as error:
            raise self.refused(error) from None
        for identifier, text in built.get(entity.name, {}).items():
            self.store.put(self.layer._namespace(session, entity), identifier, text)
            self.store.delete(self.layer._tombs(session, entity), identifier)
        return list(built.get(entity.name, {}))


class _GraphQL(_View):
    def names(self) -> list[str]:
        return sorted(self.layer.model.entities)

    def _entity(self, name: str) -> str:
        if name not in self.layer.model.entities:
            raise self.unknown(name)
        return name

    def items(self, session: str, name: str, fields: dict[str, str]) -> list[Any]:
        return list(self.layer._items(session, self._entity(name)))

    def delete(self, session: str, name: str, fields: dict[str, str]) -> int:
        entity = self._entity(name)
        visible = len(self.layer._items(session, entity))
        seeded = self.layer.seeds.get(entity, {})
        return self.forget(self.layer._namespace(session, entity), self.layer._tombs(session, entity), seeded, visible)

    def add(self, session: str, name: str, values: list[Any]) -> list[str]:
        from toolkit.sandbox.state.graphql_seeds import checked_seeds

        entity = self._entity(name)
        try:
            checked = checked_seeds(self.layer.schema, self.seed_file(name, values))
        except ConfigError as error:
            raise self.refused(error) from None
        objects = checked.get(entity, {})
        for identifier, value in objects.items():
            self.store.put(self.layer._namespace(session, entity), identifier, value)
            self.store.delete(self.layer._tombs(session, entity), identifier)
        return list(objects)


def _view(api: ApiRuntime, layer: Any) -> _View:
    if api.protocol is Protocol.OPENAPI:
        return _Rest(api, layer)
    if api.protocol is Protocol.SOAP:
        return _Soap(api, layer)
    return _GraphQL(api, layer)
