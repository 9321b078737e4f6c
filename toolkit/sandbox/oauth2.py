"""``oauth2``: an OAuth2 token endpoint, revocation and introspection, and missing, unknown, expired or revoked
tokens refused on protected operations, for REST, SOAP and GraphQL APIs (the sandbox's second layer).

Configured by the ``[apis.NAME.oauth2]`` table of sandbox.toml (``oauth2_config``; an empty table turns OAuth2 on
with the defaults)::

    [apis.payments.oauth2]
    token_lifetime_s = 3600       # an access token's lifetime, whole seconds (default 3600)
    refresh_lifetime_s = 86400    # a refresh token's (default 86400)
    rotate_refresh_tokens = true  # a refresh answers a new refresh token and revokes the old one (default true);
                                  # false: the refresh token stays valid and no new one is given
    clients = { "my-app" = "MY_APP_CLIENT_SECRET" }
                                  # client id = the environment variable holding its secret; only these clients
                                  # get tokens. Without clients, any client (any id and secret, or none) gets one.
    revocation_path = "/oauth/revoke"         # default: the token endpoint's path + "/revoke"
    introspection_path = "/oauth/introspect"  # default: the token endpoint's path + "/introspect"

    [apis.crm.oauth2]             # SOAP and GraphQL only: what a WSDL or an SDL cannot declare
    token_path = "/oauth/token"   # required: the token endpoint, under the API's mount (/crm/oauth/token)
    scopes = ["crm.read", "crm.write"]        # the scopes a token may be given (default: those required_scopes
                                              # names; neither: any scope)
    public = ["GetStatus"]        # operations served without a token (default: none; every operation is protected)
    required_scopes = { CreateAccount = ["crm.write"] }   # what a token needs for an operation (default: nothing)

An operation is named by its id (``Query.health``, ``CrmService/CrmSoap11Port/CreateAccount``) or, for SOAP, by its
last part (``CreateAccount``: every port's). For an OpenAPI API the contract says all of that itself, and
``token_path``, ``scopes``, ``public`` and ``required_scopes`` are refused with a ``ConfigError``.

**The token endpoint.** OpenAPI: every OAuth2 security scheme's flows with a ``tokenUrl`` (OpenAPI 3 ``flows``:
``clientCredentials``, ``password``, ``authorizationCode``; Swagger 2.0 ``type: oauth2`` with ``flow``
``application``, ``password`` or ``accessCode``) is served under the API's mount: the path of the token URL,
without the server's base path when it starts with it (``https://api.example.com/v1/oauth/token`` with the server
``https://api.example.com/v1`` and the mount ``/v1``: ``/v1/oauth/token``; a relative ``oauth/token`` or
``/oauth/token``: ``/v1/oauth/token``). A token URL on another host (``https://auth.example.com/oauth2/token``)
is served at its path under the mount too (``/v1/oauth2/token``). SOAP and GraphQL: ``token_path`` under the
mount, answering the ``client_credentials``, ``password`` and ``refresh_token`` grants. ``OAuth2Layer.listing()``
names each endpoint and the path it is served at, for ``ctk serve --check`` to show. The endpoints answer before
any operation of the same path. OpenID Connect (``openIdConnect`` schemes) is out of scope: the mock still checks
such a scheme's ``Authorization: Bearer`` header is present, nothing more.

Requests are ``POST`` with ``application/x-www-form-urlencoded`` bodies (RFC 6749); the client authenticates by
HTTP Basic (``client_id:client_secret``, each form-urlencoded) or the body's ``client_id``/``client_secret``, not
both. Grants: ``client_credentials`` (when a flow is ``clientCredentials``/``application``: an access token, no
refresh token, as RFC 6749 4.4.3 says), ``password`` (when a flow is ``password``: any ``username`` and
``password`` are accepted; an access and a refresh token) and ``refresh_token`` (where ``password`` is). An
``authorization_code`` grant is refused ``unsupported_grant_type``: the sandbox serves no authorization endpoint
yet. A requested ``scope`` must be one the endpoint grants (the serving flows' scopes, or ``scopes``; when there
are any): else ``invalid_scope``; a request without ``scope`` is given all of them (RFC 6749 3.3's default), and
the answer says so. Answers: 200 ``{access_token, token_type: "Bearer", expires_in, refresh_token?, scope?}`` with
``Cache-Control: no-store``; errors (RFC 6749 5.2) ``{error, error_description}``: ``invalid_request`` 400,
``invalid_client`` 401 with ``WWW-Authenticate: Basic``, ``invalid_grant`` 400, ``unsupported_grant_type`` 400,
``invalid_scope`` 400; a method other than POST 405.

**Revocation (RFC 7009)** at the revocation path: ``token`` (and an optional ``token_type_hint``), the client
authenticated as at the token endpoint; 200 with an empty body, whether the token was known or not; a token issued
to another client 400 ``unauthorized_client``. Revoking a refresh token revokes every token of its grant (the
access and refresh tokens one password grant and its refreshes issued). **Introspection (RFC 7662)** at the
introspection path: ``{"active": true, client_id, scope?, exp, iat, token_type?}`` for a valid token,
``{"active": false}`` for one unknown (in this session), expired or revoked.

**Tokens** are opaque random strings, kept in the store only as digests, per session (``X-Ctk-Session``: a token
issued in one session is unknown in another); ``oauth2_tokens`` describes the records.

**Protected operations.** OpenAPI: an operation whose security requirements (its own ``security``, else the
document's) all name an OAuth2 scheme needs a valid bearer token; one that also accepts another scheme (an API
key alternative) is checked only when the request carries a bearer token. SOAP: every POST (an envelope) whose
operation is not ``public``; ``?wsdl`` and ``?xsd`` documents are served without a token, so a client can be built
first. GraphQL: every request but OPTIONS unless every root field it selects is ``public`` (an introspection-only
query is not). A missing, unknown (or another session's), expired or revoked token is answered 401 with
``WWW-Authenticate: Bearer realm="ctk", error="invalid_token", error_description="..."``; a valid token without
the scopes the operation requires (OpenAPI: the scopes its security requirement lists, one alternative's all;
SOAP/GraphQL: ``required_scopes``, every selected root field's) 403 with ``error="insufficient_scope",
scope="..."`` (RFC 6750 3.1); ``oauth2_protect`` gives each protocol's body. ``Prefer: token=expired`` makes a
request behave as if its token had expired (the preference is removed before the inner layers see it). A refused
SOAP or GraphQL request never reaches the inner layers (no state changes, no quota counted): which operations it
calls, when that matters, is asked of the API's pure compiled mock (``oauth2_protect.Operations``). A refused REST
request reaches them only as ``Prefer: code=401``/``403``, for the contract's own answer. A store that fails
answers 503 (``temporarily_unavailable`` at the token endpoints).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from toolkit.errors import ConfigError
from toolkit.exchange import MockResult
from toolkit.mock.envelope import MockEnvelope
from toolkit.mock.problem import problem_response
from toolkit.model import Protocol
from toolkit.sandbox.layers import Call, Next
from toolkit.sandbox.oauth2_config import CONTRACT_KEYS, OAuth2Config, parse_oauth2
from toolkit.sandbox.oauth2_contract import (
    SERVED_GRANTS,
    Requirement,
    TokenEndpoint,
    configured_endpoint,
    configured_requirements,
    openapi_endpoints,
    openapi_requirements,
)
from toolkit.sandbox.oauth2_protect import Operations, Refusals, bearer, without_expired_preference
from toolkit.sandbox.oauth2_tokens import INTROSPECT, REVOKE, TOKEN, AuthorizationServer, granted_scopes, oauth_error
from toolkit.sandbox.store import Store
from toolkit.sandbox.stores import StoreError, StoreFullError

__all__ = ["OAuth2Layer", "Requirement", "TokenEndpoint", "oauth2_layer"]

_KIND = {Protocol.SOAP: "SOAP", Protocol.GRAPHQL: "GraphQL"}


def oauth2_layer(
    envelope: MockEnvelope, table: Mapping[str, Any], store: Store, *, api: str, where: str
) -> OAuth2Layer:
    """The ``oauth2`` layer of the API ``envelope`` serves, configured by ``table`` (its ``[apis.NAME.oauth2]``;
    ``ConfigError`` naming ``sandbox.toml {where}.oauth2.KEY``), keeping tokens in ``store`` under ``api/``."""
    contract = envelope.contract
    config = parse_oauth2(table, where=where)
    if contract.protocol is not Protocol.OPENAPI:
        kind = _KIND.get(contract.protocol, contract.protocol.value)
        served = [endpoint.path for endpoint in envelope.endpoints()]
        endpoint = configured_endpoint(envelope.mount, served, config, api=api, where=where, kind=kind)
        requirements = configured_requirements(contract, config, where=where)
        return OAuth2Layer(envelope, config, store, api=api, endpoints=[endpoint], requirements=requirements)
    from toolkit.openapi.load import OpenAPIContract

    if not isinstance(contract, OpenAPIContract):
        raise TypeError(f"an OpenAPI API's contract is an OpenAPIContract, not {type(contract).__name__}")
    endpoints, schemes = openapi_endpoints(contract.document, contract.spec_version, envelope.mount, config)
    for key in CONTRACT_KEYS:
        if config.given(key):
            declared = ", ".join(url for endpoint in endpoints for url in endpoint.urls)
            says = f"declares its token URLs ({declared})" if declared else "would declare them"
            raise ConfigError(
                f"{key} is for SOAP and GraphQL APIs: the OpenAPI contract of {api} {says} in its OAuth2 security "
                "schemes, and the scopes each operation needs in its security requirements",
                where=f"sandbox.toml {where}.oauth2.{key}",
                hint=f"remove {key}; ctk serves each tokenUrl of the contract's flows (ctk serve --check lists them)",
            )
    if not endpoints:
        raise ConfigError(
            f"the contract of {api} declares no OAuth2 flow with a tokenUrl to serve",
            where=f"sandbox.toml {where}.oauth2",
            hint="an OAuth2 security scheme with a clientCredentials or password flow and its tokenUrl; "
            "OpenID Connect (openIdConnect) is out of scope",
        )
    if not any(grant in endpoint.grants for endpoint in endpoints for grant in SERVED_GRANTS):
        raise ConfigError(
            f"the OAuth2 flows of {api} declare only grants the sandbox does not serve (authorization code)",
            where=f"sandbox.toml {where}.oauth2",
            hint="the sandbox issues tokens for clientCredentials and password flows",
        )
    requirements = openapi_requirements(contract, schemes)
    return OAuth2Layer(envelope, config, store, api=api, endpoints=endpoints, requirements=requirements)


class OAuth2Layer:
    """See the module's docstring. Thread-safe: tokens are kept in the store only."""

    name = "oauth2"

    def __init__(
        self,
        envelope: MockEnvelope,
        config: OAuth2Config,
        store: Store,
        *,
        api: str,
        endpoints: list[TokenEndpoint],
        requirements: dict[str, Requirement],
    ) -> None:
        self.api = api
        self.config = config
        self.endpoints = endpoints
        self.requirements = requirements  # operation id -> what it needs of a token; absent: nothing
        self.server = AuthorizationServer(config, store, api=api)
        self._envelope = envelope
        self._protocol = envelope.contract.protocol
        self._refusals = Refusals(envelope)
        self._operations = Operations(envelope)
        self._public = any(op.id not in requirements for op in envelope.contract.operations)
        # every scope some operation requires: a token holding them all passes without finding its operations
        self._all_scopes = frozenset(scope for req in requirements.values() for alt in req.scopes for scope in alt)
        self._by_path: dict[str, tuple[TokenEndpoint, str]] = {}
        for endpoint in endpoints:  # revocation and introspection first: a token path is never shadowed by them
            self._by_path.setdefault(_key(endpoint.revocation_path), (endpoint, REVOKE))
            self._by_path.setdefault(_key(endpoint.introspection_path), (endpoint, INTROSPECT))
        for endpoint in endpoints:
            self._by_path[_key(endpoint.path)] = (endpoint, TOKEN)

    def describe(self) -> dict[str, str]:
        """Each token URL the contract declares, and the path the sandbox serves it at."""
        return {url: endpoint.path for endpoint in self.endpoints for url in endpoint.urls}

    def listing(self) -> list[tuple[str, str]]:
        """What the layer serves, for ``ctk serve --check``: ("OAuth2 token endpoint <declared URL>", path) for each
        declared token URL (SOAP, GraphQL: "OAuth2 token endpoint"), then the revocation and introspection paths."""
        lines: list[tuple[str, str]] = []
        for endpoint in self.endpoints:
            lines += [(f"OAuth2 token endpoint {url}", endpoint.path) for url in endpoint.urls]
            if not endpoint.urls:
                lines.append(("OAuth2 token endpoint", endpoint.path))
        for what, attribute in (("revocation", "revocation_path"), ("introspection", "introspection_path")):
            for path in dict.fromkeys(getattr(endpoint, attribute) for endpoint in self.endpoints):
                lines.append((f"OAuth2 {what} endpoint", path))
        return lines

    def prefix(self, session: str) -> str:
        return self.server.prefix(session)

    def reset(self, session: str) -> int:
        """Forget the session's tokens; how many keys went."""
        return self.server.reset(session)

    # -- the request path ------------------------------------------------------------------------------

    def __call__(self, call: Call, inner: Next) -> MockResult:
        served = self._by_path.get(_key(call.request.path))
        if served is not None:
            try:
                return self.server.answer(call, *served)
            except (StoreError, StoreFullError):
                return oauth_error(503, "temporarily_unavailable", "the sandbox's store failed; try again")
        call, asked_expired = without_expired_preference(call)
        try:
            if self._protocol is Protocol.OPENAPI:
                return self._rest(call, inner, asked_expired)
            return self._soap_graphql(call, inner, asked_expired)
        except (StoreError, StoreFullError):
            message = "the sandbox's store failed; try again"
            if self._protocol is Protocol.OPENAPI:
                return MockResult(problem_response(503, message, kind="store-failed"))
            return MockResult(self._envelope.error_response(call.request, 503, message))  # a Fault, an errors document

    def _rest(self, call: Call, inner: Next, asked_expired: bool) -> MockResult:
        operation = call.operation
        requirement = self.requirements.get(operation or "")
        if requirement is None:
            return inner(call)
        operations = (operation,) if operation else ()
        token = bearer(call.request)
        if not token and not requirement.required:
            return inner(call)
        record, problem = self._token(call.session, token, asked_expired)
        if record is None:
            return self._refusals.unauthorized(call, inner, operations, problem)
        if not requirement.allows(granted_scopes(record)):
            return self._refusals.forbidden(call, inner, operations, requirement.named, _short(requirement.named))
        return inner(call)

    def _soap_graphql(self, call: Call, inner: Next, asked_expired: bool) -> MockResult:
        method = call.request.method.upper()
        if method == "OPTIONS" or (self._protocol is Protocol.SOAP and method != "POST"):
            return inner(call)  # a CORS preflight, a WSDL or XSD document: no token needed
        record, problem = self._token(call.session, bearer(call.request), asked_expired)
        if record is None:
            if self._public:
                operations = self._operations(call.request)
                if operations and all(op not in self.requirements for op in operations):
                    return inner(call)
            else:
                operations = ()
            return self._refusals.unauthorized(call, inner, operations, problem)
        granted = granted_scopes(record)
        if granted is None or self._all_scopes <= granted:
            return inner(call)
        operations = self._operations(call.request)
        for op in operations:
            requirement = self.requirements.get(op)
            if requirement is not None and not requirement.allows(granted):
                missing = requirement.named - granted
                return self._refusals.forbidden(call, inner, operations, requirement.named, _short(missing, op))
        return inner(call)

    def _token(self, session: str, token: str, asked_expired: bool) -> tuple[dict[str, Any] | None, str]:
        """The record of a valid access token, or None and why the token is refused."""
        if not token:
            return None, "no access token: send Authorization: Bearer <token>"
        record = self.server.access(session, token)
        if record is None:
            return None, "the access token is unknown (in this session)"
        if record.get("revoked"):
            return None, "the access token was revoked"
        if asked_expired or time.time() >= float(record.get("expires", 0)):
            return None, "the access token expired"
        return record, ""


def _key(path: str) -> str:
    return path.rstrip("/") or "/"


def _short(scopes: frozenset[str], operation: str = "") -> str:
    what = f"{operation} needs" if operation else "this operation needs"
    return f"the access token lacks a scope {what}: {' '.join(sorted(scopes))}"
