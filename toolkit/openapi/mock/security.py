"""The presence of declared credentials, checked the way a gateway would before anything else.

The mock does not know real keys, so it checks only that a request carries what one of the
operation's security requirements asks for: the API key header/query/cookie, an ``Authorization``
header with the right scheme. That is enough for a client to find out it forgot its credentials.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from toolkit.exchange import Request


@dataclass(frozen=True, slots=True)
class Credential:
    scheme: str  # the security scheme's name, for messages
    location: str  # header | query | cookie | authorization | none
    name: str = ""  # header/query/cookie name, or the Authorization scheme (basic, bearer, …)


class SecurityCheck:
    """Alternatives of requirements: any one satisfied (all of its credentials present) passes."""

    def __init__(self, alternatives: list[list[Credential]]) -> None:
        self.alternatives = alternatives
        self.optional = not alternatives or any(not requirement for requirement in alternatives)

    def missing(self, request: Request, query_items: list[tuple[str, str]]) -> str | None:
        """None when satisfied, else a message saying what the request should carry. ``query_items`` is
        the request's query as the caller already parsed it."""
        if self.optional:
            return None
        query_names: set[str] | None = None
        for requirement in self.alternatives:
            satisfied = True
            for credential in requirement:
                if credential.location == "header":
                    satisfied = request.header(credential.name) is not None
                elif credential.location == "query":
                    if query_names is None:
                        query_names = {key for key, _ in query_items}
                    satisfied = credential.name in query_names
                elif credential.location == "cookie":
                    satisfied = credential.name in request.cookies()
                elif credential.location == "authorization":
                    value = request.header("authorization") or ""
                    satisfied = (
                        value.lower().startswith(credential.name + " ") and len(value) > len(credential.name) + 1
                    )
                if not satisfied:
                    break
            if satisfied:
                return None
        return "missing credentials: send " + " or ".join(
            " and ".join(_describe(c) for c in requirement) for requirement in self.alternatives
        )

    def challenge(self) -> str:
        """A ``WWW-Authenticate`` value naming what the first requirement asks for."""
        for requirement in self.alternatives:
            for credential in requirement:
                if credential.location == "authorization":
                    return f'{credential.name.capitalize()} realm="ctk"'
                return f'ApiKey realm="ctk", {credential.location}="{credential.name}"'
        return 'Bearer realm="ctk"'


def _describe(credential: Credential) -> str:
    if credential.location == "authorization":
        return f"an Authorization: {credential.name.capitalize()} header ({credential.scheme})"
    return f"the {credential.location} {credential.name!r} ({credential.scheme})"


def compile_security(operation: dict[str, Any], document: dict[str, Any], spec_version: str) -> SecurityCheck:
    requirements = operation.get("security", document.get("security"))
    if not isinstance(requirements, list):
        return SecurityCheck([])
    if spec_version == "2.0":
        schemes = document.get("securityDefinitions") or {}
    else:
        schemes = (document.get("components") or {}).get("securitySchemes") or {}
    alternatives: list[list[Credential]] = []
    for requirement in requirements:
        if not isinstance(requirement, dict):
            continue
        credentials: list[Credential] = []
        for name in requirement:
            scheme = schemes.get(name) if isinstance(schemes, dict) else None
            credential = _credential(name, scheme) if isinstance(scheme, dict) else None
            if credential is not None:
                credentials.append(credential)
        alternatives.append(credentials)
    return SecurityCheck(alternatives)


def _credential(name: str, scheme: dict[str, Any]) -> Credential | None:
    kind = scheme.get("type")
    if kind == "apiKey" and isinstance(scheme.get("name"), str):
        location = scheme.get("in", "header")
        key = scheme["name"].lower() if location == "header" else scheme["name"]
        return Credential(name, location, key)
    if kind == "http" and isinstance(scheme.get("scheme"), str):
        return Credential(name, "authorization", scheme["scheme"].lower())
    if kind == "basic":  # Swagger 2.0
        return Credential(name, "authorization", "basic")
    if kind in ("oauth2", "openIdConnect"):
        return Credential(name, "authorization", "bearer")
    return None  # mutualTLS and unknown kinds cannot be checked from the request
