"""The authorization server half of the ``oauth2`` layer: the token endpoint (RFC 6749), revocation (RFC 7009) and
introspection (RFC 7662), and the store they keep tokens in.

Tokens are opaque random strings kept in the store only as BLAKE2b digests, per session, in namespaces
``API/SESSION/#oauth2/``: ``access`` and ``refresh`` hold ``{client, scope, issued, expires, revoked, grant}`` by
digest; ``used`` counts the uses of a refresh token (``store.incr``: of two concurrent refreshes of one token, or
a refresh and a revocation, one wins). ``grant`` is a random id shared by the tokens one password grant and its
refreshes issued (never handed out): revoking a refresh token revokes them all, as RFC 7009 2.1 asks.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import time
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from toolkit.exchange import MockResult, Response
from toolkit.sandbox.layers import Call
from toolkit.sandbox.oauth2_config import OAuth2Config
from toolkit.sandbox.oauth2_contract import SERVED_GRANTS, TokenEndpoint
from toolkit.sandbox.store import Store

__all__ = ["AuthorizationServer", "digest", "granted_scopes", "oauth_error"]

_FORM = "application/x-www-form-urlencoded"
_MAX_FIELDS = 64
_PERSON = b"ctk-oauth2"
_JSON = ("content-type", "application/json")
_NO_STORE = (("cache-control", "no-store"), ("pragma", "no-cache"))
_KINDS = {"access_token": "access", "refresh_token": "refresh"}

TOKEN, REVOKE, INTROSPECT = "token", "revoke", "introspect"


class AuthorizationServer:
    """Issues, refreshes, revokes and introspects tokens, and tells the guard what an access token grants.
    Thread-safe: everything is in the store."""

    def __init__(self, config: OAuth2Config, store: Store, *, api: str) -> None:
        self.config = config
        self.api = api
        self._store = store

    def prefix(self, session: str) -> str:
        return f"{self.api}/{session}/#oauth2/"

    def reset(self, session: str) -> int:
        """Forget the session's tokens; how many keys went."""
        return self._store.clear(self.prefix(session))

    def access(self, session: str, token: str) -> dict[str, Any] | None:
        """The record of an access token issued in ``session``, or None (unknown)."""
        record = self._store.get(self.prefix(session) + "access", digest(token))
        return record if isinstance(record, dict) else None

    # -- the endpoints -----------------------------------------------------------------------------------

    def answer(self, call: Call, endpoint: TokenEndpoint, kind: str) -> MockResult:
        """The answer of the token (``TOKEN``), revocation or introspection endpoint to ``call``."""
        request = call.request
        if request.method.upper() != "POST":
            return oauth_error(405, "invalid_request", f"the {_named(kind)} answers POST only", (("allow", "POST"),))
        media = (request.header("content-type") or "").split(";", 1)[0].strip().lower()
        if media != _FORM:
            return oauth_error(400, "invalid_request", f"the request's body must be {_FORM}")
        try:
            fields = parse_qsl(
                request.body.decode("utf-8"), keep_blank_values=True, max_num_fields=_MAX_FIELDS, strict_parsing=False
            )
        except (UnicodeDecodeError, ValueError):
            return oauth_error(400, "invalid_request", "the body is not a valid form")
        params: dict[str, str] = {}
        for name, value in fields:
            if name in params:
                return oauth_error(400, "invalid_request", f"the parameter {name[:64]!r} is given more than once")
            params[name] = value
        client = self._client(request.header("authorization"), params)
        if isinstance(client, MockResult):
            return client
        base = self.prefix(call.session)
        if kind == REVOKE:
            return self._revoke(base, client, params)
        if kind == INTROSPECT:
            return self._introspect(base, params)
        return self._token(base, client, params, endpoint)

    def _token(self, base: str, client: str, params: dict[str, str], endpoint: TokenEndpoint) -> MockResult:
        grant = params.get("grant_type")
        if not grant:
            return oauth_error(400, "invalid_request", "grant_type is required")
        offered = {g for g in endpoint.grants if g in SERVED_GRANTS} | (
            {"refresh_token"} if endpoint.refreshes else set()
        )
        if grant not in offered:
            why = (
                "authorization_code needs an authorization endpoint, which the sandbox does not serve yet"
                if grant == "authorization_code" and grant in endpoint.grants
                else f"this token endpoint serves {', '.join(sorted(offered))}"
            )
            return oauth_error(400, "unsupported_grant_type", why)
        if grant == "refresh_token":
            return self._refresh(base, client, params)
        if grant == "password" and (not params.get("username") or "password" not in params):
            return oauth_error(400, "invalid_request", "the password grant needs username and password")
        scope = params.get("scope")
        if scope is not None and not _scopes_ok(scope, endpoint.scopes):
            declared = " ".join(sorted(endpoint.scopes))
            return oauth_error(400, "invalid_scope", f"a requested scope is not one this endpoint grants ({declared})")
        if scope is None and endpoint.scopes:
            scope = " ".join(sorted(endpoint.scopes))  # RFC 6749 3.3: no scope asked, the default is all of them
        grant_id = secrets.token_hex(8) if grant == "password" else None
        return self._issue(base, client, scope, grant_id, refresh=grant_id is not None)

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
                return oauth_error(400, "invalid_request", "authenticate by HTTP Basic or by client_secret, not both")
            if "client_id" in params and params["client_id"] != basic[0]:
                return _invalid_client("client_id differs from the Basic credentials' client")
        secret: str | None
        client_id, secret = basic if basic is not None else (params.get("client_id", ""), params.get("client_secret"))
        if not self.config.authenticates(client_id, secret):
            return _invalid_client("client authentication failed")
        return client_id or "anonymous"

    def _issue(self, base: str, client: str, scope: str | None, grant: str | None, *, refresh: bool) -> MockResult:
        """An access token, and with ``refresh`` a refresh token; ``grant``: the password grant they belong to."""
        now = time.time()
        config = self.config
        access = secrets.token_urlsafe(32)
        record = {"client": client, "scope": scope, "issued": now, "expires": now + config.token_lifetime_s,
                  "revoked": False, "grant": grant}  # fmt: skip
        self._store.put(base + "access", digest(access), record)
        answer: dict[str, Any] = {"access_token": access, "token_type": "Bearer", "expires_in": config.token_lifetime_s}
        if refresh:
            token = secrets.token_urlsafe(32)
            kept = {**record, "expires": now + config.refresh_lifetime_s}
            self._store.put(base + "refresh", digest(token), kept)
            answer["refresh_token"] = token
        if scope:
            answer["scope"] = scope
        return MockResult(Response(200, (_JSON, *_NO_STORE), json.dumps(answer).encode()))

    def _refresh(self, base: str, client: str, params: dict[str, str]) -> MockResult:
        token = params.get("refresh_token")
        if not token:
            return oauth_error(400, "invalid_request", "the refresh_token grant needs refresh_token")
        key = digest(token)
        record = self._store.get(base + "refresh", key)
        if not isinstance(record, dict):
            return oauth_error(400, "invalid_grant", "the refresh token is unknown (in this session)")
        if record.get("revoked"):
            return oauth_error(400, "invalid_grant", "the refresh token was revoked (used already, or revoked)")
        if time.time() >= float(record.get("expires", 0)):
            return oauth_error(400, "invalid_grant", "the refresh token expired")
        issued_to = str(record.get("client", ""))
        if not self._same_client(client, issued_to):
            return oauth_error(400, "invalid_grant", "the refresh token was issued to another client")
        granted = record.get("scope")
        scope = params.get("scope", granted)
        if scope is not None and scope != granted and not set(scope.split()) <= set(str(granted or "").split()):
            return oauth_error(400, "invalid_scope", "a refresh may only narrow the scope granted")
        grant = record.get("grant")
        grant_id = grant if isinstance(grant, str) else secrets.token_hex(8)
        if not self.config.rotate_refresh_tokens:  # the refresh token stays valid: no new one
            return self._issue(base, issued_to, scope, grant_id, refresh=False)
        if self._store.incr(base + "used", key) != 1:  # another refresh (or a revocation) of this token won
            return oauth_error(400, "invalid_grant", "the refresh token was revoked (used already, or revoked)")
        self._store.put(base + "refresh", key, {**record, "revoked": True})
        return self._issue(base, issued_to, scope, grant_id, refresh=True)

    def _same_client(self, client: str, issued_to: str) -> bool:
        """Whether ``client`` may use a token issued to ``issued_to``: without configured clients an anonymous
        request (no client_id) may, as anyone can get a token then."""
        return issued_to == client or (self.config.clients is None and client == "anonymous")

    def _found(self, base: str, params: dict[str, str]) -> tuple[str, str, dict[str, Any]] | None:
        """The token the request names: (kind, digest, record), the hinted kind looked up first; None: unknown."""
        token = params.get("token", "")
        key = digest(token)
        hinted = _KINDS.get(params.get("token_type_hint", ""), "access")
        for kind in (hinted, "refresh" if hinted == "access" else "access"):
            record = self._store.get(base + kind, key)
            if isinstance(record, dict):
                return kind, key, record
        return None

    def _revoke(self, base: str, client: str, params: dict[str, str]) -> MockResult:
        """RFC 7009: 200 whether or not the token was known (2.2); a refresh token takes its grant with it."""
        if not params.get("token"):
            return oauth_error(400, "invalid_request", "the revocation request needs token")
        found = self._found(base, params)
        if found is not None:
            kind, key, record = found
            if not self._same_client(client, str(record.get("client", ""))):
                return oauth_error(400, "unauthorized_client", "the token was issued to another client")
            if kind == "refresh":
                self._store.incr(base + "used", key)  # a refresh racing this revocation fails
            self._store.put(base + kind, key, {**record, "revoked": True})
            grant = record.get("grant")
            if kind == "refresh" and isinstance(grant, str):
                for namespace in ("access", "refresh"):
                    for other, value in self._store.items(base + namespace):
                        if isinstance(value, dict) and value.get("grant") == grant and not value.get("revoked"):
                            self._store.put(base + namespace, other, {**value, "revoked": True})
        return MockResult(Response(200, _NO_STORE, b""))

    def _introspect(self, base: str, params: dict[str, str]) -> MockResult:
        """RFC 7662: ``{"active": false}`` for a token unknown (in this session), expired or revoked."""
        if not params.get("token"):
            return oauth_error(400, "invalid_request", "the introspection request needs token")
        found = self._found(base, params)
        answer: dict[str, Any] = {"active": False}
        if found is not None:
            kind, _, record = found
            expires = float(record.get("expires", 0))
            if not record.get("revoked") and time.time() < expires:
                answer = {"active": True, "client_id": record.get("client"), "exp": int(expires)}
                if isinstance(record.get("issued"), float | int):
                    answer["iat"] = int(record["issued"])
                if record.get("scope"):
                    answer["scope"] = record["scope"]
                if kind == "access":
                    answer["token_type"] = "Bearer"  # noqa: S105 -- the token type (RFC 6750), not a secret
        return MockResult(Response(200, (_JSON, *_NO_STORE), json.dumps(answer).encode()))


def granted_scopes(record: dict[str, Any]) -> frozenset[str] | None:
    """The scopes an access token was given; None: unrestricted (issued where no scope is declared)."""
    scope = record.get("scope")
    return frozenset(scope.split()) if isinstance(scope, str) else None


def oauth_error(status: int, error: str, description: str, headers: tuple[tuple[str, str], ...] = ()) -> MockResult:
    body = json.dumps({"error": error, "error_description": description}).encode()
    return MockResult(Response(status, (_JSON, *_NO_STORE, *headers), body))


def _invalid_client(description: str) -> MockResult:
    return oauth_error(401, "invalid_client", description, (("www-authenticate", 'Basic realm="ctk"'),))


def _scopes_ok(scope: str, declared: frozenset[str]) -> bool:
    return not declared or set(scope.split()) <= declared


def _named(kind: str) -> str:
    return {TOKEN: "token endpoint", REVOKE: "revocation endpoint", INTROSPECT: "introspection endpoint"}[kind]


def digest(token: str) -> str:
    return hashlib.blake2b(token.encode("utf-8", "surrogatepass"), digest_size=20, person=_PERSON).hexdigest()
