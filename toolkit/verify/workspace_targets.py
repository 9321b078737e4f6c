"""A workspace API as a verify target: its contract, its vendor sandbox's URL, and the credentials to reach it.

Shared by the two front ends that verify workspace APIs, ``ctk verify`` and ``pytest --ctk-verify``, so both
read ``[apis.NAME.vendor]`` and ``[apis.NAME.verify]`` the same way. Credentials are read from the environment
when the target is built: a missing variable is a ``CredentialsError`` naming it, before anything is sent.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.errors import ConfigError
from toolkit.evidence import default_evidence_path
from toolkit.load import load_contract
from toolkit.model import Contract
from toolkit.model import Protocol as ContractProtocol
from toolkit.vendor.credentials import NO_CREDENTIALS, Credentials, credentials_for
from toolkit.vendor.errors import CredentialsError
from toolkit.workspace import Api, Workspace

if TYPE_CHECKING:  # the runner loads httpx: imported when a target is built, so ctk's CLI starts light
    from toolkit.verify.runner import ApiTarget

__all__ = ["api_target", "placeholder_headers", "vendor_url", "verifiable_apis"]


def verifiable_apis(space: Workspace) -> list[str]:
    """The workspace's APIs that have a vendor sandbox configured, in the order sandbox.toml lists them."""
    return [name for name, api in space.apis.items() if vendor_url(api) is not None]


def api_target(space: Workspace, api: Api, base_url: str | None = None, evidence: Path | None = None) -> ApiTarget:
    """``api`` as a target: against ``base_url`` if given, else its vendor sandbox (a ``ConfigError`` if none)."""
    url = base_url or vendor_url(api)
    if url is None:
        raise ConfigError(
            f"apis.{api.name} has no vendor sandbox configured",
            where=str(space.config),
            hint=f"add [apis.{api.name}.vendor] sandbox_url, or pass --base-url",
        )
    contract = load_contract(api.contract)
    vendor = api.vendor
    auth = vendor.auth if vendor is not None else None
    extra = {key: value for key, value in _vendor_extra(api).items() if value}
    credentials: Credentials = NO_CREDENTIALS
    if auth is not None and auth.kind == "wsse":
        credentials, extra = _wsse(api, auth.env, extra)
    elif auth is not None:
        credentials = credentials_for(auth, url, api=api.name)
    from toolkit.verify.runner import ApiTarget

    return ApiTarget(
        api=api.name, contract=contract, base_url=url, credentials=credentials, safe_names=api.verify.safe,
        budget=api.verify.budget, budget_per_operation=api.verify.budget_per_operation, extra=extra,
        extra_headers=placeholder_headers(contract) if auth is None else {},
        evidence_path=evidence or default_evidence_path(space.root, api.name),
        contract_label=_relative(api.contract, space.root),
    )  # fmt: skip


def vendor_url(api: Api) -> str | None:
    vendor = api.vendor
    if vendor is None:
        return None
    return vendor.sandbox_url or vendor.graphql_endpoint or None


def placeholder_headers(contract: Contract) -> dict[str, str]:
    """Placeholder credentials for a server that only checks they are present (ctk's own mock)."""
    if contract.protocol is not ContractProtocol.OPENAPI:
        return {}
    from toolkit.verify.openapi import auth_headers

    return dict(line.split(": ", 1) for line in auth_headers(contract))


def _wsse(api: Api, env: dict[str, str], extra: dict[str, str]) -> tuple[Credentials, dict[str, str]]:
    """WS-Security credentials go in the SOAP envelope (the SOAP engine reads them from ``extra``)."""
    values: dict[str, str] = {}
    for role, variable in env.items():
        value = os.environ.get(variable, "")
        if not value:
            raise CredentialsError(
                f"environment variable {variable} is not set (apis.{api.name}.vendor.auth needs it)",
                hint=f"export {variable} with the vendor's credential; it is never read from files",
            )
        values[role] = value
    extra = {**extra, "wsse_username": values["username"], "wsse_password": values["password"]}
    return Credentials(secrets=(values["password"], values["username"])), extra


def _vendor_extra(api: Api) -> dict[str, str]:
    vendor = api.vendor
    if vendor is None:
        return {}
    return {"graphql_endpoint": vendor.graphql_endpoint or "", "wsdl_url": vendor.wsdl_url or ""}


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
