"""The ``[apis.NAME.oauth2]`` table of sandbox.toml, checked and read into ``OAuth2Config``.

Each mistake is a ``ConfigError`` naming the key as ``sandbox.toml [apis.NAME].oauth2.KEY`` (an unknown key with
a did-you-mean); the keys are listed in ``toolkit.sandbox.oauth2``'s docstring. What needs the contract (operation
names, which keys its protocol takes, paths the API answers at) is checked in ``oauth2_contract`` and ``oauth2``.
A client's secret is read from the environment variable the table names, once, and kept only as a digest: neither
the secret nor its digest is ever in an error, a log or the store.
"""

from __future__ import annotations

import difflib
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from toolkit.errors import ConfigError

__all__ = ["OAuth2Config", "parse_oauth2"]

_KEYS = (
    "token_lifetime_s",
    "refresh_lifetime_s",
    "rotate_refresh_tokens",
    "clients",
    "token_path",
    "revocation_path",
    "introspection_path",
    "scopes",
    "public",
    "required_scopes",
)
# the keys that say what a WSDL or an SDL cannot: an OpenAPI contract's security schemes say it instead
CONTRACT_KEYS = ("token_path", "scopes", "public", "required_scopes")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
_CLIENT_ID = re.compile(r"^[\x20-\x7e]{1,128}$")  # RFC 6749 A.1: VSCHAR
_MAX_LIFETIME = 366 * 86400
# a path under the mount: RFC 3986 path characters, segments not empty, "." or ".."
_PATH = re.compile(r"^(/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)+$")
_MAX_PATH = 256
_SCOPE = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]{1,128}$")  # RFC 6749 3.3: scope-token
_MAX_NAMES = 1024
# a key of this process: the secrets' digests cannot be compared with anything computed elsewhere
_KEY = secrets.token_bytes(32)


def secret_digest(secret: str) -> bytes:
    """A keyed digest of a client secret (the key is this process's own, never stored)."""
    return hmac.new(_KEY, secret.encode("utf-8", "surrogatepass"), hashlib.sha256).digest()


@dataclass(frozen=True, slots=True)
class OAuth2Config:
    """Lifetimes in whole seconds; ``clients`` maps a client id to the digest of its secret, None: any client."""

    token_lifetime_s: int = 3600
    refresh_lifetime_s: int = 86400
    rotate_refresh_tokens: bool = True
    clients: dict[str, bytes] | None = field(default=None, repr=False)
    client_env: dict[str, str] = field(default_factory=dict)  # client id -> the environment variable's name
    token_path: str | None = None  # SOAP and GraphQL: where the token endpoint is, under the mount
    revocation_path: str | None = None  # None: the token path + "/revoke"
    introspection_path: str | None = None  # None: the token path + "/introspect"
    scopes: frozenset[str] | None = None  # SOAP and GraphQL: the scopes a token may be given (None: not set)
    public: tuple[str, ...] = ()  # SOAP and GraphQL: operations served without a token, as written
    required_scopes: dict[str, frozenset[str]] = field(default_factory=dict)  # operation as written -> scopes

    def given(self, key: str) -> bool:
        """Whether the table set ``key`` (one of ``CONTRACT_KEYS``)."""
        value = getattr(self, key)
        return bool(value) if key != "scopes" else value is not None

    def authenticates(self, client_id: str, secret: str | None) -> bool:
        """Whether ``client_id`` with ``secret`` is an accepted client (any client when none is configured)."""
        if self.clients is None:
            return True
        expected = self.clients.get(client_id)
        if expected is None or secret is None:
            return False
        return hmac.compare_digest(expected, secret_digest(secret))


def parse_oauth2(table: Mapping[str, Any], *, where: str, environ: Mapping[str, str] | None = None) -> OAuth2Config:
    """``table`` checked; client secrets read from ``environ`` (default: ``os.environ``)."""
    if not isinstance(table, Mapping):
        raise ConfigError("oauth2 must be a table", where=f"sandbox.toml {where}.oauth2")
    for key in table:
        if key not in _KEYS:
            close = difflib.get_close_matches(str(key), _KEYS, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(_KEYS)}"
            raise ConfigError(f"unknown key '{key}'", where=_place(where, str(key)), hint=hint)
    token = _lifetime(table, "token_lifetime_s", 3600, where)
    refresh = _lifetime(table, "refresh_lifetime_s", 86400, where)
    rotate = table.get("rotate_refresh_tokens", True)
    if not isinstance(rotate, bool):
        raise ConfigError(
            f"rotate_refresh_tokens must be true or false, not {rotate!r}", where=_place(where, "rotate_refresh_tokens")
        )
    paths = {key: _path(table, key, where) for key in ("token_path", "revocation_path", "introspection_path")}
    given = [path for path in paths.values() if path is not None]
    if len(set(given)) != len(given):
        raise ConfigError(
            "token_path, revocation_path and introspection_path must be different paths",
            where=_place(where, "revocation_path" if paths["revocation_path"] is not None else "introspection_path"),
        )
    scopes = _scope_list(table.get("scopes"), _place(where, "scopes")) if "scopes" in table else None
    public = _names(table.get("public", []), where)
    required = _required(table.get("required_scopes", {}), where)
    if scopes is not None:
        for name, needed in required.items():
            unknown = sorted(needed - scopes)
            if unknown:
                raise ConfigError(
                    f"{', '.join(repr(scope) for scope in unknown)} is not one of the scopes listed in scopes",
                    where=_place(where, f'required_scopes."{name}"'),
                    hint="add it to scopes, or leave scopes out: the scopes required_scopes names are then the ones "
                    "a token may be given",
                )
    both = sorted(set(public) & set(required))
    if both:
        raise ConfigError(
            f"{both[0]!r} is public (served without a token), so it cannot require scopes",
            where=_place(where, f'required_scopes."{both[0]}"'),
        )
    extra: dict[str, Any] = {
        **paths,
        "scopes": scopes,
        "public": public,
        "required_scopes": required,
    }
    raw = table.get("clients")
    if raw is None:
        return OAuth2Config(token, refresh, rotate, **extra)
    if not isinstance(raw, Mapping) or not raw:
        raise ConfigError(
            "clients must be a table of client id = environment variable holding its secret",
            where=_place(where, "clients"),
            hint='clients = { "my-app" = "MY_APP_CLIENT_SECRET" }; leave clients out to accept any client',
        )
    env = os.environ if environ is None else environ
    clients: dict[str, bytes] = {}
    names: dict[str, str] = {}
    for client_id, variable in raw.items():
        place = _place(where, f'clients."{client_id}"')
        if not isinstance(client_id, str) or not _CLIENT_ID.match(client_id):
            raise ConfigError("a client id is 1 to 128 printable ASCII characters", where=place)
        if not isinstance(variable, str) or not _ENV_NAME.match(variable):
            raise ConfigError(
                'must name the environment variable holding the client\'s secret, like "MY_APP_CLIENT_SECRET"',
                where=place,
                hint="the secret itself never goes in sandbox.toml",
            )
        secret = env.get(variable)
        if not secret:
            raise ConfigError(
                f"the environment variable {variable} (the secret of client {client_id!r}) is not set or empty",
                where=place,
                hint=f"export {variable}=... before ctk serve",
            )
        clients[client_id] = secret_digest(secret)
        names[client_id] = variable
    return OAuth2Config(token, refresh, rotate, clients, names, **extra)


def _lifetime(table: Mapping[str, Any], key: str, default: int, where: str) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= _MAX_LIFETIME:
        raise ConfigError(
            f"{key} must be a whole number of seconds from 1 to {_MAX_LIFETIME} (366 days), not {value!r}",
            where=_place(where, key),
        )
    return value


def _path(table: Mapping[str, Any], key: str, where: str) -> str | None:
    """A path under the API's mount, "/" first, without a trailing "/"."""
    value = table.get(key)
    if value is None:
        return None
    text = value.rstrip("/") if isinstance(value, str) else value
    if (
        not isinstance(text, str)
        or len(text) > _MAX_PATH
        or not _PATH.match(text)
        or any(part in (".", "..") for part in text.split("/"))
    ):
        raise ConfigError(
            f'{key} must be a path under the API\'s mount, like "/oauth/token", not {value!r}',
            where=_place(where, key),
            hint="a path starting with '/', of letters, digits and -._~ (no query, no '..'); "
            "it is served under the API's mount",
        )
    if text == "/__ctk" or text.startswith("/__ctk/"):
        raise ConfigError(f"{key} cannot be under /__ctk, ctk's admin endpoints", where=_place(where, key))
    return text


def _scope_list(value: Any, place: str) -> frozenset[str]:
    if not isinstance(value, list) or len(value) > _MAX_NAMES:
        raise ConfigError(
            f"must be a list of scopes, not {value!r}", where=place, hint='scopes = ["crm.read", "crm.write"]'
        )
    for scope in value:
        if not isinstance(scope, str) or not _SCOPE.match(scope):
            raise ConfigError(
                f"{scope!r} is not a scope: 1 to 128 printable ASCII characters, no space, '\"' or '\\'",
                where=place,
            )
    return frozenset(value)


def _names(value: Any, where: str) -> tuple[str, ...]:
    place = _place(where, "public")
    if not isinstance(value, list) or len(value) > _MAX_NAMES or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(
            f"public must be a list of operation names, not {value!r}",
            where=place,
            hint='public = ["GetStatus"] (SOAP) or public = ["Query.health"] (GraphQL)',
        )
    return tuple(dict.fromkeys(value))


def _required(value: Any, where: str) -> dict[str, frozenset[str]]:
    place = _place(where, "required_scopes")
    if not isinstance(value, Mapping) or len(value) > _MAX_NAMES:
        raise ConfigError(
            "required_scopes must be a table of operation = the scopes a token needs for it",
            where=place,
            hint='required_scopes = { CreateAccount = ["crm.write"] }',
        )
    found: dict[str, frozenset[str]] = {}
    for name, scopes in value.items():
        inner = _place(where, f'required_scopes."{name}"')
        found[str(name)] = _scope_list(scopes, inner)
        if not found[str(name)]:
            raise ConfigError("an empty list requires nothing: leave the operation out", where=inner)
    return found


def _place(where: str, key: str) -> str:
    return f"sandbox.toml {where}.oauth2.{key}"
