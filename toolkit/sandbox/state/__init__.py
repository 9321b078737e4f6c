"""State: what clients create, read back, update and delete, inferred from the contract (the ``state`` layer).

The innermost layer of the sandbox (``toolkit.sandbox.layers.ORDER``): it lets the inner layers (the
API's envelope) answer, then shapes the data of a successful answer from what the session stored, in
the ``Store`` the sandbox opened (``toolkit.sandbox.stores``). Nothing to configure: the resources, their
ids and what each operation does are read from the contract once, when the layer is built.

- ``rest_model``: the resource model of an OpenAPI contract (collections and nested collections, the
  id property, create/read/list/update/replace/delete operations, list filters and pagination, seed
  items from the contract's examples), ``compile_model(mock)``
- ``rest``: ``StateLayer``, the layer for REST APIs (namespaces ``api/session/collection``, the contract's
  404 for an unknown or deleted id, answers checked against the response schemas)
- ``soap_model``, ``soap``: the entity model of a WSDL (``Create/Get/Update/Delete/List<Entity>`` operations,
  the id element) and ``SoapStateLayer`` (entities stored as XML, the not-found fault, answers checked
  against the XSD)
- ``graphql_model``, ``graphql``: the entity model of a schema (create, update and delete mutations, reads by
  id, lists and Relay connections) and ``GraphQLStateLayer`` (shaped in the JSON answer's ``data``), with
  ``graphql_values`` (fitting, echoing, merging values)
- ``seeds`` (+ ``rest_seeds``, ``soap_seeds``, ``graphql_seeds``): ``mocks/<api>/seed.json`` or ``seed.toml``,
  the resources every session starts with, checked against the contract when the layer is built
- ``state_layer(envelope, store, api=..., folder=...)`` (here): the layer for an API, by its contract's protocol
"""

from __future__ import annotations

from pathlib import Path

from toolkit.errors import ConfigError
from toolkit.mock.envelope import MockEnvelope
from toolkit.model import Protocol
from toolkit.sandbox.layers import Layer
from toolkit.sandbox.store import Store

__all__ = ["state_layer"]


def has_state(protocol: Protocol) -> bool:
    """Whether ctk keeps state for this protocol's APIs (REST, SOAP and GraphQL)."""
    return protocol in (Protocol.OPENAPI, Protocol.SOAP, Protocol.GRAPHQL)


def state_layer(envelope: MockEnvelope, store: Store, *, api: str, folder: Path | None = None) -> Layer:
    """The ``state`` layer for the API ``envelope`` serves, keeping its state in ``store`` under ``api/``;
    ``folder``: the API's ``mocks/<api>/`` (None for a contract served without a workspace), whose seed file,
    if any, is read and checked against the contract here (a ``ConfigError`` when it does not fit)."""
    from toolkit.sandbox.state.seeds import read_seeds

    protocol = envelope.contract.protocol
    seeds = read_seeds(folder) if has_state(protocol) else None
    if protocol is Protocol.OPENAPI:
        # imported here: building the sandbox for a SOAP or GraphQL API loads nothing of the OpenAPI mock
        from toolkit.sandbox.state.rest import StateLayer

        return StateLayer(envelope, store, api=api, seeds=seeds)
    if protocol is Protocol.SOAP:
        from toolkit.sandbox.state.soap import SoapStateLayer

        return SoapStateLayer(envelope, store, api=api, seeds=seeds)
    if protocol is Protocol.GRAPHQL:
        from toolkit.sandbox.state.graphql import GraphQLStateLayer

        return GraphQLStateLayer(envelope, store, api=api, seeds=seeds)
    raise ConfigError(
        f"state is not available yet for {protocol.value} APIs: {api} is a {protocol.value} contract",
        where=f"[apis.{api}] state",
        hint=f"remove 'state = true' from [apis.{api}] in sandbox.toml (or --state for {api}); "
        "its mock still answers every request, without state",
    )
