"""``oauth2``: the contract's OAuth2 token endpoint, and missing, unknown, expired or revoked tokens refused
(the sandbox's second layer).

Configured by the ``[apis.NAME.oauth2]`` table of sandbox.toml (OpenAPI contracts only; a SOAP or GraphQL API
with the table is refused with a ``ConfigError``: not available yet)::

    [apis.payments.oauth2]
    token_lifetime_s = 3600       # an access token's lifetime, whole seconds (default 3600)
    refresh_lifetime_s = 86400    # a refresh token's (default 86400)
    rotate_refresh_tokens = true  # a refresh answers a new refresh token and revokes the old one (default true);
                                  # false: the refresh token stays valid and no new one is given
    clients = { "my-app" = "MY_APP_CLIENT_SECRET" }
                                  # client id = the environment variable holding its secret; only these clients
                                  # get tokens. Without clients, any client (any id and secret, or none) gets one.

**The token endpoint.** Every OAuth2 security scheme's flows with a ``tokenUrl`` (OpenAPI 3 ``flows``:
``clientCredentials``, ``password``, ``authorizationCode``; Swagger 2.0 ``type: oauth2`` with ``flow``
``application``, ``password`` or ``accessCode``) is served under the API's mount: the path of the token URL,
without the server's base path when it starts with it (``https://api.example.com/v1/oauth/token`` with the server
``https://api.example.com/v1`` and the mount ``/v1``: ``/v1/oauth/token``; a relative ``oauth/token`` or
``/oauth/token``: ``/v1/oauth/token``). A token URL on another host (``https://auth.example.com/oauth2/token``)
is served at its path under the mount too (``/v1/oauth2/token``): nothing is printed; ``OAuth2Layer.describe()``
maps each declared URL to the path served, for ``ctk serve --check`` to show. The token endpoint answers before
any contract operation of the same path. OpenID Connect (``openIdConnect`` schemes) is out of scope: the mock
still checks such a scheme's ``Authorization: Bearer`` header is present, nothing more.

Requests are ``POST`` with ``application/x-www-form-urlencoded`` bodies (RFC 6749); the client authenticates by
HTTP Basic (``client_id:client_secret``, each form-urlencoded) or the body's ``client_id``/``client_secret``, not
both. Grants: ``client_credentials`` (when a flow is ``clientCredentials``/``application``: an access token, no
refresh token, as RFC 6749 4.4.3 says), ``password`` (when a flow is ``password``: any ``username`` and
``password`` are accepted; an access and a refresh token) and ``refresh_token`` (where ``password`` is). An
``authorization_code`` grant is refused ``unsupported_grant_type``: the sandbox serves no authorization endpoint
yet. A requested ``scope`` must be one the serving flows declare (when they declare any): else ``invalid_scope``.
Answers: 200 ``{access_token, token_type: "Bearer", expires_in, refresh_token?, scope?}`` with
``Cache-Control: no-store``; errors (RFC 6749 5.2) ``{error, error_description}``: ``invalid_request`` 400,
``invalid_client`` 401 with ``WWW-Authenticate: Basic``, ``invalid_grant`` 400, ``unsupported_grant_type`` 400,
``invalid_scope`` 400; a method other than POST 405.

**Tokens** are opaque random strings (``secrets.token_urlsafe(32)``), kept in the store only as digests, per
session (``X-Ctk-Session``: a token issued in one session is unknown in another): ``api/session/#oauth2/access``
and ``#oauth2/refresh`` hold ``{client, scope, expires, revoked}`` by digest; ``#oauth2/used`` counts the uses
of a refresh token atomically (``store.incr``), so with rotation two concurrent refreshes of one token cannot
both succeed. Expired tokens stay in the store until the session is reset.

**Protected operations.** An operation whose security requirements (its own ``security``, else the document's)
all name an OAuth2 scheme needs a valid bearer token: a missing, unknown (or another session's), expired or
revoked one is answered 401: the contract's declared 401 (the inner layers re-asked with ``Prefer: code=401``),
else problem+json 401, with ``WWW-Authenticate: Bearer realm="ctk", error="invalid_token",
error_description="..."``. An operation that also accepts another scheme (an API key alternative) is checked
only when the request carries a bearer token. ``Prefer: token=expired`` makes a request behave as if its token
had expired (the preference is removed before the inner layers see it). Scopes are not checked on operations.
A store that fails answers 503 (``temporarily_unavailable`` at the token endpoint).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlsplit

from toolkit.errors import ConfigError
from toolkit.exchange import MockResult, Response
from toolkit.mock.envelope import MockEnvelope
from toolkit.mock.problem import problem_response
from toolkit.model import Protocol
from toolkit.sandbox.layers import Call, Next
from toolkit.sandbox.oauth2_config import OAuth2Config, parse_oauth2
from toolkit.sandbox.reasking import with_prefer, without_applied_code
from toolkit.sandbox.store import Store
from toolkit.sandbox.stores import StoreError, StoreFullError

__all__ = ["OAuth2Layer", "TokenEndpoint", "oauth2_layer"]

_FORM = "application/x-www-form-urlencoded"
_MAX_FIELDS = 64
_PERSON = b"ctk-oauth2"
_FLOWS_3 = {
    "clientCredentials": "client_credentials",
    "password": "password",
    "authorizationCode": "authorization_code",
}
_FLOWS_2 = {"application": "client_credentials", "password": "password", "accessCode": "authorization_code"}
_SERVED = ("client_credentials", "password")
_EXPIRED = re.compile(r"^\s*token\s*=\s*\"?expired\"?\s*$", re.IGNORECASE)
_NO_STORE = (("cache-control", "no-store"), ("pragma", "no-cache"))


@dataclass(frozen=True, slots=True)
class TokenEndpoint:
    """One token URL of the contract: where it is served, the grants it answers and the scopes its flows declare
    (empty: any scope)."""

    urls: tuple[str, ...]  # as declared (several flows may share one endpoint)
    path: str
    grants: frozenset[str]
    scopes: frozenset[str]

    @property
    def refreshes(self) -> bool:
        return "password" in self.grants


def oauth2_layer(
    envelope: MockEnvelope, table: Mapping[str, Any], store: Store, *, api: str, where: str
) -> OAuth2Layer:
    """The ``oauth2`` layer of the API ``envelope`` serves, configured by ``table`` (its ``[apis.NAME.oauth2]``;
    ``ConfigError`` naming ``sandbox.toml {where}.oauth2.KEY``), keeping tokens in ``store`` under ``api/``."""
    contract = envelope.contract
    if contract.protocol is not Protocol.OPENAPI:
        kind = "SOAP" if contract.protocol is Protocol.SOAP else "GraphQL"
        raise ConfigError(
            f"oauth2 is not available yet for {kind} APIs ({api} is a {kind} contract)",
            where=f"sandbox.toml {where}.oauth2",
            hint="remove the oauth2 table: the sandbox serves OAuth2 token endpoints for OpenAPI contracts only",
        )
    from toolkit.openapi.load import OpenAPIContract

    if not isinstance(contract, OpenAPIContract):
        raise TypeError(f"an OpenAPI API's contract is an OpenAPIContract, not {type(contract).__name__}")
    config = parse_oauth2(table, where=where)
    endpoints, schemes = _token_endpoints(contract.document, contract.spec_version, envelope.mount)
    if not endpoints:
        raise ConfigError(
            f"the contract of {api} declares no OAuth2 flow with a tokenUrl to serve",
            where=f"sandbox.toml {where}.oauth2",
            hint="an OAuth2 security scheme with a clientCredentials or password flow and its tokenUrl; "
            "OpenID Connect (openIdConnect) is out of scope",
        )
    if not any(grant in endpoint.grants for endpoint in endpoints for grant in _SERVED):
        raise ConfigError(
            f"the OAuth2 flows of {api} declare only grants the sandbox does not serve (authorization code)",
            where=f"sandbox.toml {where}.oauth2",
            hint="the sandbox issues tokens for clientCredentials and password flows",
        )
    protected = _protected(contract, schemes)
    return OAuth2Layer(envelope, config, store, api=api, endpoints=endpoints, protected=protected)


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
        protected: dict[str, bool],
    ) -> None:
        self.api = api
        self.config = config
        self.endpoints = endpoints
        self.protected = protected  # operation id -> True: a token is required; False: checked when sent
        self._store = store
        self._by_path = {endpoint.path.rstrip("/") or "/": endpoint for endpoint in endpoints}

    def describe(self) -> dict[str, str]:
        """Each token URL the contract declares, and the path the sandbox serves it at."""
        return {url: endpoint.path for endpoint in self.endpoints for url in endpoint.urls}

    def prefix(self, session: str) -> str:
        return f"{self.api}/{session}/#oauth2/"

    def reset(self, session: str) -> int:
        """Forget the session's tokens; how many keys went."""
        return self._store.clear(self.prefix(session))

    # -- the request path ------------------------------------------------------------------------------

    def __call__(self, call: Call, inner: Next) -> MockResult:
        endpoint = self._by_path.get(call.request.path.rstrip("/") or "/")
        if endpoint is not None:
            try:
                return self._token(call, endpoint)
            except (StoreError, StoreFullError):
                return _oauth_error(503, "temporarily_unavailable", "the sandbox's store failed; try again")
        return self._guard(call, inner)

    def _guard(self, call: Call, inner: Next) -> MockResult:
        request = call.request
        asked_expired = False
        prefer = request.header("prefer")
        if prefer is not None and "token" in prefer.lower():
            parts = [part.strip() for part in prefer.split(",")]
            kept = [part for part in parts if part and not _EXPIRED.match(part)]
            if len(kept) != len([part for part in parts if part]):
                asked_expired = True
                headers = tuple(h for h in request.headers if h[0] != "prefer")
                if kept:
                    headers = (*headers, ("prefer", ", ".join(kept)))
                call = call.with_request(replace(request, headers=headers))
                request = call.request
        operation = call.operation
        required = self.protected.get(operation or "")
        if required is None:
            return inner(call)
        authorization = request.header("authorization") or ""
        scheme, _, token = authorization.partition(" ")
        token = token.strip() if scheme.lower() == "bearer" else ""
        if not token:
            if not required:
                return inner(call)
            return self._unauthorized(call, inner, operation, "no access token: send Authorization: Bearer <token>")
        try:
            record = self._store.get(self.prefix(call.session) + "access", _digest(token))
        except (StoreError, StoreFullError):
            return MockResult(problem_response(503, "the sandbox's store failed; try again", kind="store-failed"))
        if not isinstance(record, dict):
            problem = "the access token is unknown (in this session)"
        elif record.get("revoked"):
            problem = "the access token was revoked"
        elif asked_expired or time.time() >= float(record.get("expires", 0)):
            problem = "the access token expired"
        else:
            return inner(call)
        return self._unauthorized(call, inner, operation, problem)

    def _unauthorized(self, call: Call, inner: Next, operation: str | None, description: str) -> MockResult:
        challenge = f'Bearer realm="ctk", error="invalid_token", error_description="{description}"'
        result = inner(with_prefer(call, "code=401"))
        response = result.response
        if response.status == 401:
            kept = tuple(h for h in without_applied_code(response.headers) if h[0].lower() != "www-authenticate")
            answer = Response(401, (*kept, ("www-authenticate", challenge)), response.body)
            return replace(result, response=answer, deliveries=())
        problem = problem_response(401, description, kind="invalid-token", headers=(("www-authenticate", challenge),))
        return MockResult(problem, operations=(operation,) if operation else ())

    # -- the token endpoint ----------------------------------------------------------------------------

    def _token(self, call: Call, endpoint: TokenEndpoint) -> MockResult:
        request = call.request
        if request.method.upper() != "POST":
            return _oauth_error(405, "invalid_request", "the token endpoint answers POST only", (("allow", "POST"),))
        kind = (request.header("content-type") or "").split(";", 1)[0].strip().lower()
        if kind != _FORM:
            return _oauth_error(400, "invalid_request", f"the request's body must be {_FORM}")
        try:
            fields = parse_qsl(
                request.body.decode("utf-8"), keep_blank_values=True, max_num_fields=_MAX_FIELDS, strict_parsing=False
            )
        except (UnicodeDecodeError, ValueError):
            return _oauth_error(400, "invalid_request", "the body is not a valid form")
        params: dict[str, str] = {}
        for name, value in fields:
            if name in params:
                return _oauth_error(400, "invalid_request", f"the parameter {name[:64]!r} is given more than once")
            params[name] = value
        client = self._client(request.header("authorization"), params)
        if isinstance(client, MockResult):
            return client
        grant = params.get("grant_type")
        if not grant:
            return _oauth_error(400, "invalid_request", "grant_type is required")
        offered = {g for g in endpoint.grants if g in _SERVED} | ({"refresh_token"} if endpoint.refreshes else set())
        if grant not in offered:
            why = (
                "authorization_code needs an authorization endpoint, which the sandbox does not serve yet"
                if grant == "authorization_code" and grant in endpoint.grants
                else f"this token endpoint serves {', '.join(sorted(offered))}"
            )
            return _oauth_error(400, "unsupported_grant_type", why)
        base = self.prefix(call.session)
        if grant == "refresh_token":
            return self._refresh(base, client, params, endpoint)
        if grant == "password" and (not params.get("username") or "password" not in params):
            return _oauth_error(400, "invalid_request", "the password grant needs username and password")
        scope = params.get("scope")
        if scope is not None and not _scopes_ok(scope, endpoint.scopes):
            return _oauth_error(400, "invalid_scope", "a requested scope is not one the contract's flows declare")
        return self._issue(base, client, scope, refresh=grant == "password")

    def _client(self, authorization: str | None, params: dict[str, str]) -> str | MockResult:
        """The authenticated client's id, or the error answer."""
        basic: tuple[str, str] | None = None
        if authorization and authorization.partition(" ")[0].lower() == "basic":
            try:
                decoded = base64.b64decode(authorization.partition(" ")[2].strip(), validate=True).decode("utf-8")
            except (binascii.Error, ValueError):
                return _invalid_client("the Basic credentials are not base64 of client_id:client_secret")
            name, colon, given = decoded.partition(":")
            if not colon:
                return _invalid_client("the Basic credentials are not base64 of client_id:client_secret")
            basic = (unquote_plus(name), unquote_plus(given))
            if "client_secret" in params:
                return _oauth_error(400, "invalid_request", "authenticate by HTTP Basic or by client_secret, not both")
            if "client_id" in params and params["client_id"] != basic[0]:
                return _invalid_client("client_id differs from the Basic credentials' client")
        secret: str | None
        client_id, secret = basic if basic is not None else (params.get("client_id", ""), params.get("client_secret"))
        if not self.config.authenticates(client_id, secret):
            return _invalid_client("client authentication failed")
        return client_id or "anonymous"

    def _issue(self, base: str, client: str, scope: str | None, *, refresh: bool) -> MockResult:
        now = time.time()
        config = self.config
        access = secrets.token_urlsafe(32)
        record = {"client": client, "scope": scope, "expires": now + config.token_lifetime_s, "revoked": False}
        self._store.put(base + "access", _digest(access), record)
        answer: dict[str, Any] = {"access_token": access, "token_type": "Bearer", "expires_in": config.token_lifetime_s}
        if refresh:
            token = secrets.token_urlsafe(32)
            kept = {**record, "expires": now + config.refresh_lifetime_s}
            self._store.put(base + "refresh", _digest(token), kept)
            answer["refresh_token"] = token
        if scope:
            answer["scope"] = scope
        body = json.dumps(answer).encode()
        return MockResult(Response(200, (("content-type", "application/json"), *_NO_STORE), body))

    def _refresh(self, base: str, client: str, params: dict[str, str], endpoint: TokenEndpoint) -> MockResult:
        token = params.get("refresh_token")
        if not token:
            return _oauth_error(400, "invalid_request", "the refresh_token grant needs refresh_token")
        key = _digest(token)
        record = self._store.get(base + "refresh", key)
        if not isinstance(record, dict):
            return _oauth_error(400, "invalid_grant", "the refresh token is unknown (in this session)")
        if record.get("revoked"):
            return _oauth_error(400, "invalid_grant", "the refresh token was revoked (refresh tokens are rotated)")
        if time.time() >= float(record.get("expires", 0)):
            return _oauth_error(400, "invalid_grant", "the refresh token expired")
        issued_to = str(record.get("client", ""))
        if (self.config.clients is not None or client != "anonymous") and issued_to != client:
            return _oauth_error(400, "invalid_grant", "the refresh token was issued to another client")
        granted = record.get("scope")
        scope = params.get("scope", granted)
        if scope is not None and scope != granted and not set(scope.split()) <= set(str(granted or "").split()):
            return _oauth_error(400, "invalid_scope", "a refresh may only narrow the scope granted")
        if not self.config.rotate_refresh_tokens:
            return self._issue(base, issued_to, scope, refresh=False)
        if self._store.incr(base + "used", key) != 1:  # another refresh of this token won the race
            return _oauth_error(400, "invalid_grant", "the refresh token was revoked (refresh tokens are rotated)")
        self._store.put(base + "refresh", key, {**record, "revoked": True})
        return self._issue(base, issued_to, scope, refresh=True)


# -- the contract ----------------------------------------------------------------------------------------


def _token_endpoints(document: dict[str, Any], spec_version: str, mount: str) -> tuple[list[TokenEndpoint], set[str]]:
    """The token URLs of the OAuth2 schemes, merged by path, and the names of the OAuth2 schemes."""
    if spec_version == "2.0":
        raw_schemes = document.get("securityDefinitions")
        base_path = document.get("basePath")
        bases = [base_path] if isinstance(base_path, str) else []
    else:
        components = document.get("components")
        raw_schemes = components.get("securitySchemes") if isinstance(components, dict) else None
        servers = document.get("servers")
        bases = [s["url"] for s in servers if isinstance(s, dict) and isinstance(s.get("url"), str)] if isinstance(
            servers, list) else []  # fmt: skip
    base_paths = sorted({urlsplit(base).path.rstrip("/") for base in bases} - {""}, key=len, reverse=True)
    names: set[str] = set()
    found: dict[str, tuple[list[str], set[str], set[str]]] = {}  # path -> (urls, grants, scopes)
    for name, scheme in raw_schemes.items() if isinstance(raw_schemes, dict) else ():
        if not isinstance(scheme, dict) or scheme.get("type") != "oauth2":
            continue
        names.add(name)
        flows: list[tuple[str, dict[str, Any]]] = []
        if spec_version == "2.0":
            grant = _FLOWS_2.get(str(scheme.get("flow")))
            if grant is not None:
                flows.append((grant, scheme))
        else:
            declared = scheme.get("flows")
            for flow, grant in _FLOWS_3.items():
                spec = declared.get(flow) if isinstance(declared, dict) else None
                if isinstance(spec, dict):
                    flows.append((grant, spec))
        for grant, spec in flows:
            url = spec.get("tokenUrl")
            if not isinstance(url, str) or not url.strip():
                continue
            path = _served_path(url.strip(), base_paths, mount)
            entry = found.setdefault(path, ([], set(), set()))
            if url.strip() not in entry[0]:
                entry[0].append(url.strip())
            entry[1].add(grant)
            scopes = spec.get("scopes")
            if isinstance(scopes, dict):
                entry[2].update(str(scope) for scope in scopes)
    endpoints = [
        TokenEndpoint(tuple(urls), path, frozenset(grants), frozenset(scopes))
        for path, (urls, grants, scopes) in found.items()
    ]
    return endpoints, names


def _served_path(url: str, base_paths: list[str], mount: str) -> str:
    path = urlsplit(url).path or "/"
    if not path.startswith("/"):
        path = "/" + path  # relative to the server: under the mount
    for base in base_paths:
        if path == base or path.startswith(base + "/"):
            path = path[len(base) :] or "/"
            break
    return mount.rstrip("/") + path


def _protected(contract: Any, schemes: set[str]) -> dict[str, bool]:
    """Operation id -> True when every security alternative names an OAuth2 scheme, False when some do."""
    document = contract.document
    paths = document.get("paths")
    found: dict[str, bool] = {}
    for op in contract.operations:
        item = paths.get(getattr(op, "path", "")) if isinstance(paths, dict) else None
        raw = item.get(str(getattr(op, "method", "")).lower()) if isinstance(item, dict) else None
        if not isinstance(raw, dict):
            continue
        requirements = raw.get("security", document.get("security"))
        if not isinstance(requirements, list):
            continue
        alternatives = [set(requirement) & schemes for requirement in requirements if isinstance(requirement, dict)]
        if any(alternatives):
            found[op.id] = all(alternatives)
    return found


# -- answers ------------------------------------------------------------------------------------------------


def _oauth_error(status: int, error: str, description: str, headers: tuple[tuple[str, str], ...] = ()) -> MockResult:
    body = json.dumps({"error": error, "error_description": description}).encode()
    return MockResult(Response(status, (("content-type", "application/json"), *_NO_STORE, *headers), body))


def _invalid_client(description: str) -> MockResult:
    return _oauth_error(401, "invalid_client", description, (("www-authenticate", 'Basic realm="ctk"'),))


def _scopes_ok(scope: str, declared: frozenset[str]) -> bool:
    return not declared or set(scope.split()) <= declared


def _digest(token: str) -> str:
    return hashlib.blake2b(token.encode("utf-8", "surrogatepass"), digest_size=20, person=_PERSON).hexdigest()
