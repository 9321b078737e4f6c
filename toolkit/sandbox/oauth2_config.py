"""The ``[apis.NAME.oauth2]`` table of sandbox.toml, checked and read into ``OAuth2Config``.

Each mistake is a ``ConfigError`` naming the key as ``sandbox.toml [apis.NAME].oauth2.KEY`` (an unknown key with
a did-you-mean); the keys are listed in ``toolkit.sandbox.oauth2``'s docstring. A client's secret is read from
the environment variable the table names, once, and kept only as a digest: neither the secret nor its digest is
ever in an error, a log or the store.
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

_KEYS = ("token_lifetime_s", "refresh_lifetime_s", "rotate_refresh_tokens", "clients")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
_CLIENT_ID = re.compile(r"^[\x20-\x7e]{1,128}$")  # RFC 6749 A.1: VSCHAR
_MAX_LIFETIME = 366 * 86400
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
    raw = table.get("clients")
    if raw is None:
        return OAuth2Config(token, refresh, rotate)
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
    return OAuth2Config(token, refresh, rotate, clients, names)


def _lifetime(table: Mapping[str, Any], key: str, default: int, where: str) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= _MAX_LIFETIME:
        raise ConfigError(
            f"{key} must be a whole number of seconds from 1 to {_MAX_LIFETIME} (366 days), not {value!r}",
            where=_place(where, key),
        )
    return value


def _place(where: str, key: str) -> str:
    return f"sandbox.toml {where}.oauth2.{key}"
