"""What the ``oauth2`` layer reads of an API: its token endpoints and what each operation needs of a bearer token.

An OpenAPI contract says both itself (its OAuth2 security schemes' flows and ``tokenUrl``; each operation's
security requirements and their scopes). A WSDL or an SDL has no security schemes, so for a SOAP or GraphQL API
the ``[apis.NAME.oauth2]`` table says them: ``token_path``, ``scopes``, ``public`` and ``required_scopes``
(``toolkit.sandbox.oauth2``'s docstring lists the keys). Everything here is computed once, when the layer is built.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from toolkit.errors import ConfigError
from toolkit.model import Contract
from toolkit.sandbox.oauth2_config import OAuth2Config

__all__ = [
    "Requirement",
    "TokenEndpoint",
    "configured_endpoint",
    "configured_requirements",
    "openapi_endpoints",
    "openapi_requirements",
]

_FLOWS_3 = {
    "clientCredentials": "client_credentials",
    "password": "password",
    "authorizationCode": "authorization_code",
}
_FLOWS_2 = {"application": "client_credentials", "password": "password", "accessCode": "authorization_code"}
SERVED_GRANTS = ("client_credentials", "password")


@dataclass(frozen=True, slots=True)
class TokenEndpoint:
    """One token endpoint: the token URLs it stands for (none for SOAP and GraphQL: configured, not declared), the
    paths it is served at, the grants it answers and the scopes a token may be given (empty: any scope)."""

    urls: tuple[str, ...]  # as declared (several flows may share one endpoint)
    path: str
    grants: frozenset[str]
    scopes: frozenset[str]
    revocation_path: str = ""
    introspection_path: str = ""

    @property
    def refreshes(self) -> bool:
        return "password" in self.grants


@dataclass(frozen=True, slots=True)
class Requirement:
    """What an operation needs of a bearer token. ``required``: a token must be sent (False: the operation also
    accepts another credential, so a token is checked only when one is sent). ``scopes``: the alternatives, a token
    holding every scope of one of them passes (empty: any valid token passes)."""

    required: bool = True
    scopes: tuple[frozenset[str], ...] = ()

    def allows(self, granted: frozenset[str] | None) -> bool:
        """Whether a token granted ``granted`` (None: unrestricted) meets the scopes."""
        return granted is None or not self.scopes or any(needed <= granted for needed in self.scopes)

    @property
    def named(self) -> frozenset[str]:
        """The scopes of the first alternative: what a refusal names (RFC 6750 3: ``scope="..."``)."""
        return self.scopes[0] if self.scopes else frozenset()


# -- OpenAPI: from the contract ---------------------------------------------------------------------------


def openapi_endpoints(
    document: dict[str, Any], spec_version: str, mount: str, config: OAuth2Config
) -> tuple[list[TokenEndpoint], set[str]]:
    """The token URLs of the OAuth2 schemes, merged by the path they are served at, and the schemes' names."""
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
        for grant, spec in _flows(scheme, spec_version):
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
        _endpoint(tuple(urls), path, frozenset(grants), frozenset(scopes), mount, config)
        for path, (urls, grants, scopes) in found.items()
    ]
    return endpoints, names


def _flows(scheme: dict[str, Any], spec_version: str) -> list[tuple[str, dict[str, Any]]]:
    if spec_version == "2.0":
        grant = _FLOWS_2.get(str(scheme.get("flow")))
        return [(grant, scheme)] if grant is not None else []
    declared = scheme.get("flows")
    flows: list[tuple[str, dict[str, Any]]] = []
    for flow, grant in _FLOWS_3.items():
        spec = declared.get(flow) if isinstance(declared, dict) else None
        if isinstance(spec, dict):
            flows.append((grant, spec))
    return flows


def _served_path(url: str, base_paths: list[str], mount: str) -> str:
    path = urlsplit(url).path or "/"
    if not path.startswith("/"):
        path = "/" + path  # relative to the server: under the mount
    for base in base_paths:
        if path == base or path.startswith(base + "/"):
            path = path[len(base) :] or "/"
            break
    return mount.rstrip("/") + path


def openapi_requirements(contract: Any, schemes: set[str]) -> dict[str, Requirement]:
    """What each operation that names an OAuth2 scheme needs, by operation id: a token (when every security
    alternative names one) and the scopes of the alternatives that do."""
    document = contract.document
    paths = document.get("paths")
    found: dict[str, Requirement] = {}
    for op in contract.operations:
        item = paths.get(getattr(op, "path", "")) if isinstance(paths, dict) else None
        raw = item.get(str(getattr(op, "method", "")).lower()) if isinstance(item, dict) else None
        if not isinstance(raw, dict):
            continue
        requirements = raw.get("security", document.get("security"))
        if not isinstance(requirements, list):
            continue
        alternatives = [requirement for requirement in requirements if isinstance(requirement, dict)]
        named = [{name: alt[name] for name in alt if name in schemes} for alt in alternatives]
        if not any(named):
            continue
        scopes = tuple(
            frozenset(str(scope) for listed in alt.values() if isinstance(listed, list) for scope in listed)
            for alt in named
            if alt
        )
        found[op.id] = Requirement(all(named), () if not all(scopes) else scopes)
    return found


# -- SOAP and GraphQL: from the oauth2 table -----------------------------------------------------------


def configured_endpoint(
    mount: str, served: Iterable[str], config: OAuth2Config, *, api: str, where: str, kind: str
) -> TokenEndpoint:
    """The token endpoint ``token_path`` asks for (under ``mount``), not on a path the API itself answers at
    (``served``); ``ConfigError`` when it is missing."""
    if config.token_path is None:
        example = f"{mount.rstrip('/')}/oauth/token"
        raise ConfigError(
            f"{api} is a {kind} contract: it declares no OAuth2 token URL, so token_path must say where to serve one",
            where=f"sandbox.toml {where}.oauth2.token_path",
            hint=f'token_path = "/oauth/token" (served under the API\'s mount: {example})',
        )
    path = mount.rstrip("/") + config.token_path
    taken = {p.rstrip("/") for p in served} | {mount.rstrip("/")}
    for key in ("token_path", "revocation_path", "introspection_path"):
        given = getattr(config, key)
        if given is not None and mount.rstrip("/") + given in taken:
            raise ConfigError(
                f"{key} {given!r} is where {api} answers its own {kind} requests",
                where=f"sandbox.toml {where}.oauth2.{key}",
                hint='choose a path of its own, like "/oauth/token"',
            )
    declared = config.scopes if config.scopes is not None else frozenset().union(*config.required_scopes.values())
    return _endpoint((), path, frozenset(SERVED_GRANTS), declared, mount, config)


def configured_requirements(contract: Contract, config: OAuth2Config, *, where: str) -> dict[str, Requirement]:
    """Every operation's requirement: a token, and the scopes ``required_scopes`` lists; none for ``public`` ones.
    An operation is named by its id or (SOAP) by its last part, ``CreateAccount`` for every port's."""
    ids = [op.id for op in contract.operations]
    public = {op for name in config.public for op in _matching(ids, name, f"{where}.oauth2.public")}
    found: dict[str, Requirement] = {op: Requirement() for op in ids if op not in public}
    for name, scopes in config.required_scopes.items():
        for op in _matching(ids, name, f'{where}.oauth2.required_scopes."{name}"'):
            found[op] = Requirement(True, (scopes,))
    return found


def _matching(ids: list[str], name: str, place: str) -> list[str]:
    matched = [op for op in ids if op == name or op.rsplit("/", 1)[-1] == name]
    if not matched:
        names = sorted({*ids, *(op.rsplit("/", 1)[-1] for op in ids)})
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
        shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
        raise ConfigError(
            f"no operation named {name!r}",
            where=f"sandbox.toml {place}",
            hint=f"did you mean {close[0]!r}?" if close else f"the operations: {shown or 'none'}",
        )
    return matched


def _endpoint(
    urls: tuple[str, ...], path: str, grants: frozenset[str], scopes: frozenset[str], mount: str, config: OAuth2Config
) -> TokenEndpoint:
    base = mount.rstrip("/")
    revoke = base + config.revocation_path if config.revocation_path else path.rstrip("/") + "/revoke"
    introspect = base + config.introspection_path if config.introspection_path else path.rstrip("/") + "/introspect"
    return TokenEndpoint(urls, path, grants, scopes, revoke, introspect)
