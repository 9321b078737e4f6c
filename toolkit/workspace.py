"""The workspace: ``sandbox/sandbox.toml`` and the ``contracts/`` and ``mocks/`` folders beside it.

sandbox.toml says which APIs the team depends on, which contract of each is pinned, where the
vendor's sandbox lives and which environment variables hold its credentials. It is validated
whole on load (unknown keys, missing files, values where variable names belong) so a typo
fails at once with the key's place, not later as a confusing mock or drift result.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.destinations import DestinationPolicy
from toolkit.errors import ConfigError
from toolkit.limits import DEFAULT_LIMITS, Limits, limits_from
from toolkit.sources import contract_limits, is_url

CONFIG_PATH = Path("sandbox") / "sandbox.toml"
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_API_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")

_TOP_KEYS = {"sandbox", "apis", "limits", "drift"}
_SANDBOX_KEYS = {"host", "port", "seed", "webhook_hosts", "store", "journal_size", "access_log"}
_API_KEYS = {
    "contract",
    "mount",
    "published",
    "mirrors",
    "vendor",
    "mock",
    "state",
    "faults",
    "rate_limit",
    "scenarios",
    "oauth2",
    "sunset",
    "verify",
}
# Where the sandbox keeps state: in this process, a SQLite file, or a Redis server shared by several processes.
STORE_FORMS = ("memory", "sqlite:PATH", "redis://HOST:PORT/DB")
MAX_JOURNAL = 1_000_000  # requests a sandbox's journal may keep ([sandbox] journal_size, ctk serve --journal-size)
# Settings of an API's mock, by kind; which protocol understands which is checked when the contract is loaded.
MOCK_SETTINGS: dict[str, type] = {
    "max_depth": int,
    "max_cost": int,
    "max_tokens": int,
    "max_introspection_cost": int,
    "introspection": bool,
    "webhook_secret_env": str,  # the environment variable holding the secret webhook events are signed with
}
# [drift]: ctk drift's defaults, by the type each must have (toolkit.drift.settings checks what each value means)
DRIFT_KEYS: dict[str, type] = {
    "fail_on": str,
    "sunset_horizon": str,
    "policies": list,
    "deprecation_days_beta": int,
    "deprecation_days_stable": int,
    "stability_level": str,
}
_VENDOR_KEYS = {"sandbox_url", "graphql_endpoint", "wsdl_url", "auth"}
# [apis.NAME.verify]: ctk verify's settings for this API's vendor sandbox
_VERIFY_KEYS = {"safe", "budget", "budget_per_operation"}
# Each kind of credential and its keys, all required; *_env keys name environment variables (values never live here).
_AUTH_KINDS: dict[str, set[str]] = {
    "header": {"name", "value_env"},
    "query": {"name", "value_env"},
    "bearer": {"token_env"},
    "basic": {"username_env", "password_env"},
    "wsse": {"username_env", "password_env"},
}


@dataclass(frozen=True)
class Auth:
    kind: str
    name: str | None  # header or query parameter name, for "header" and "query"
    env: dict[str, str]  # role ("value", "token", "username", "password") -> environment variable name


@dataclass(frozen=True)
class Vendor:
    sandbox_url: str | None = None
    graphql_endpoint: str | None = None
    wsdl_url: str | None = None
    auth: Auth | None = None


@dataclass(frozen=True)
class VerifySettings:
    """``[apis.NAME.verify]``: operations the vendor says are safe to call, and the request budgets (None: default)."""

    safe: frozenset[str] = frozenset()
    budget: int | None = None
    budget_per_operation: int | None = None


@dataclass(frozen=True)
class Api:
    name: str
    contract: Path
    mount: str
    published: str | None = None  # a URL, or a path relative to the workspace root
    mirrors: dict[str, str] = field(default_factory=dict)
    vendor: Vendor | None = None
    mock: dict[str, int | bool | str] = field(default_factory=dict)  # [apis.NAME.mock]: limits, switches, env names
    state: bool = False  # keep what clients create, read back, update and delete (inferred from the contract)
    # [apis.NAME.faults] and [apis.NAME.rate_limit], as written: the sandbox checks them when it builds its layers
    # (toolkit.sandbox.faults, toolkit.sandbox.rate_limit), naming this file and the key
    faults: dict[str, Any] = field(default_factory=dict)
    rate_limit: dict[str, Any] = field(default_factory=dict)
    # [apis.NAME.scenarios], [apis.NAME.oauth2], [apis.NAME.sunset]: checked likewise (toolkit.sandbox.scenarios,
    # toolkit.sandbox.oauth2, toolkit.sandbox.sunset)
    scenarios: dict[str, Any] = field(default_factory=dict)
    oauth2: dict[str, Any] | None = None  # None: no [apis.NAME.oauth2] table (an empty one turns OAuth2 on)
    sunset: dict[str, Any] = field(default_factory=dict)
    verify: VerifySettings = field(default_factory=VerifySettings)


@dataclass(frozen=True)
class SandboxSettings:
    host: str = "127.0.0.1"
    port: int = 8000
    seed: int = 0
    webhook_hosts: tuple[str, ...] = ()  # where webhook/callback events may go besides this machine
    store: str = "memory"  # where state lives: "memory", "sqlite:PATH" (relative to the root), "redis://..."
    journal_size: int = 1000  # requests the sandbox's journal keeps (GET /__ctk/requests)
    access_log: str | None = None  # a file (relative to the root) or "-" (stdout): one JSON line per request


@dataclass(frozen=True)
class DriftConfig:
    """``[drift]``: defaults for ``ctk drift``, as written (None: not set); the flags of the same names win."""

    fail_on: str | None = None
    sunset_horizon: str | None = None  # "90d", "12w"
    policies: tuple[str, ...] | None = None
    deprecation_days_beta: int | None = None
    deprecation_days_stable: int | None = None
    stability_level: str | None = None


@dataclass(frozen=True)
class Workspace:
    root: Path
    config: Path
    sandbox: SandboxSettings
    apis: dict[str, Api]
    # [limits]: the names of toolkit.limits.Limits, as ctk serve --limit; over the CTK_* environment variables
    limits: Limits = DEFAULT_LIMITS
    drift: DriftConfig = field(default_factory=DriftConfig)

    @property
    def mocks(self) -> Path:
        return self.root / "mocks"


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` holding sandbox/sandbox.toml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_PATH).is_file():
            return folder
    raise ConfigError(
        f"no {CONFIG_PATH} here or in any parent folder",
        where=str(here),
        hint="run ctk inside a workspace, or pass --root",
    )


def load_workspace(root: Path | None = None) -> Workspace:
    root = (root or find_root()).resolve()
    config = root / CONFIG_PATH
    where = str(config)
    data = _read(config)
    _known_keys(data, _TOP_KEYS, "", where)
    sandbox = _sandbox(_table(data, "sandbox", where), where)
    if sandbox.store.startswith("sqlite:"):  # a relative SQLite path is relative to the workspace root
        path = Path(sandbox.store.removeprefix("sqlite:").removeprefix("//"))
        sandbox = dataclasses.replace(sandbox, store=f"sqlite:{(root / path).resolve()}")
    if sandbox.access_log is not None and sandbox.access_log != "-":  # a relative path is relative to the root
        sandbox = dataclasses.replace(sandbox, access_log=str((root / sandbox.access_log).resolve()))
    apis_table = _table(data, "apis", where)
    if not apis_table:
        raise ConfigError("defines no API", where=where, hint="add an [apis.<name>] table with a contract")
    apis = {name: _api(name, value, root, where) for name, value in apis_table.items()}
    limits = limits_from(_table(data, "limits", where), f"{where} [limits]", base=contract_limits())
    drift = _drift(_table(data, "drift", where), where)
    return Workspace(root=root, config=config, sandbox=sandbox, apis=apis, limits=limits, drift=drift)


def load_drift_config(root: Path) -> DriftConfig:
    """``[drift]`` of the workspace at ``root`` alone, for ``ctk drift OLD NEW`` run inside a workspace:
    two contracts named by path do not need the rest of sandbox.toml to be valid."""
    config = root / CONFIG_PATH
    return _drift(_table(_read(config), "drift", str(config)), str(config))


def _read(config: Path) -> dict[str, Any]:
    where = str(config)
    try:
        return tomllib.loads(config.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            "no such file", where=where, hint="create it; see sandbox/sandbox.toml in the ctk repo"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", where=where) from None
    except UnicodeDecodeError:
        raise ConfigError("is not UTF-8 text", where=where) from None


def _drift(table: dict[str, Any], where: str) -> DriftConfig:
    _known_keys(table, set(DRIFT_KEYS), "drift.", where)
    for key, value in table.items():
        kind = DRIFT_KEYS[key]
        if kind is int and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise ConfigError(f"drift.{key} must be a number of days (0 or more)", where=where)
        if kind is str and (not isinstance(value, str) or not value.strip()):
            raise ConfigError(f"drift.{key} must be a non-empty string", where=where)
        if kind is list and (not isinstance(value, list) or not all(isinstance(item, str) for item in value)):
            raise ConfigError(f"drift.{key} must be a list of names", where=where, hint='policies = ["NAME", ...]')
    policies = table.get("policies")
    return DriftConfig(
        fail_on=table.get("fail_on"),
        sunset_horizon=table.get("sunset_horizon"),
        policies=tuple(policies) if policies is not None else None,
        deprecation_days_beta=table.get("deprecation_days_beta"),
        deprecation_days_stable=table.get("deprecation_days_stable"),
        stability_level=table.get("stability_level"),
    )


def _table(data: dict[str, Any], key: str, where: str, prefix: str = "") -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"[{prefix}{key}] must be a table", where=where)
    return value


def _known_keys(table: dict[str, Any], allowed: set[str], prefix: str, where: str) -> None:
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(sorted(allowed))}"
            raise ConfigError(f"unknown key '{prefix}{key}'", where=where, hint=hint)


def _string(table: dict[str, Any], key: str, prefix: str, where: str, *, required: bool = False) -> str | None:
    value = table.get(key)
    if value is None:
        if required:
            raise ConfigError(f"{prefix}{key} is required", where=where)
        return None
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{prefix}{key} must be a non-empty string", where=where)
    return value


def _sandbox(table: dict[str, Any], where: str) -> SandboxSettings:
    _known_keys(table, _SANDBOX_KEYS, "sandbox.", where)
    defaults = SandboxSettings()
    port = table.get("port", defaults.port)
    seed = table.get("seed", defaults.seed)
    if not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535:
        raise ConfigError("sandbox.port must be an integer from 0 to 65535", where=where)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ConfigError("sandbox.seed must be an integer", where=where)
    hosts = table.get("webhook_hosts", [])
    if not isinstance(hosts, list) or not all(isinstance(host, str) for host in hosts):
        raise ConfigError("sandbox.webhook_hosts must be a list of host names, addresses or networks", where=where)
    DestinationPolicy.allowing(hosts, where=f"{where} sandbox.webhook_hosts")  # refuses a malformed entry now
    host = _string(table, "host", "sandbox.", where) or defaults.host
    store = _string(table, "store", "sandbox.", where) or defaults.store
    check_store(store, f"{where} sandbox.store")
    journal_size = table.get("journal_size", defaults.journal_size)
    if not isinstance(journal_size, int) or isinstance(journal_size, bool) or not 1 <= journal_size <= MAX_JOURNAL:
        raise ConfigError(f"sandbox.journal_size must be an integer from 1 to {MAX_JOURNAL}", where=where)
    access_log = _string(table, "access_log", "sandbox.", where)
    return SandboxSettings(host=host, port=port, seed=seed, webhook_hosts=tuple(hosts), store=store,
                           journal_size=journal_size, access_log=access_log)  # fmt: skip


def check_store(url: str, where: str) -> None:
    """Refuse a store that is none of ``STORE_FORMS`` now, with the place, rather than when the sandbox starts."""
    if url == "memory" or (url.startswith("sqlite:") and len(url) > len("sqlite:")):
        return
    if url.startswith(("redis://", "rediss://")):
        return
    raise ConfigError(f"store {url!r} is not one of {', '.join(STORE_FORMS)}", where=where)


def _api(name: str, table: Any, root: Path, where: str) -> Api:
    prefix = f"apis.{name}."
    if not isinstance(table, dict):
        raise ConfigError(f"[apis.{name}] must be a table", where=where)
    if not _API_NAME.match(name):
        raise ConfigError(
            f"API name {name!r} must be lower-case letters, digits, '-' or '_'",
            where=where,
            hint="it becomes a URL path",
        )
    _known_keys(table, _API_KEYS, prefix, where)
    contract_text = _string(table, "contract", prefix, where, required=True)
    assert contract_text is not None
    contract = (root / contract_text).resolve()
    if not contract.exists():
        raise ConfigError(
            f"{prefix}contract points at {contract_text}, which does not exist",
            where=where,
            hint="paths are relative to the workspace root (the folder holding sandbox/)",
        )
    mount = _string(table, "mount", prefix, where) or f"/{name}"
    if not mount.startswith("/"):
        raise ConfigError(f"{prefix}mount must start with '/'", where=where)
    published = _string(table, "published", prefix, where)
    if published and not is_url(published) and not (root / published).exists():
        raise ConfigError(f"{prefix}published points at {published}, which does not exist", where=where)
    mirrors_table = _table(table, "mirrors", where, prefix)
    mirrors: dict[str, str] = {}
    for url, path in mirrors_table.items():
        if not is_url(url) or not isinstance(path, str):
            raise ConfigError(f"{prefix}mirrors maps URLs to local paths; {url!r} is not one", where=where)
        if not (root / path).exists():
            raise ConfigError(f"{prefix}mirrors[{url!r}] points at {path}, which does not exist", where=where)
        mirrors[url] = str((root / path).resolve())
    vendor_table = table.get("vendor")
    vendor = _vendor(vendor_table, prefix + "vendor.", where) if vendor_table is not None else None
    mock = _mock_settings(_table(table, "mock", where, prefix), prefix + "mock.", where)
    faults = _table(table, "faults", where, prefix)
    rate_limit = _table(table, "rate_limit", where, prefix)
    scenarios = _table(table, "scenarios", where, prefix)
    oauth2 = _table(table, "oauth2", where, prefix) if "oauth2" in table else None
    sunset = _table(table, "sunset", where, prefix)
    verify = _verify(_table(table, "verify", where, prefix), prefix + "verify.", where)
    state = table.get("state", False)
    if not isinstance(state, bool):
        raise ConfigError(
            f"{prefix}state must be true or false", where=where, hint="the store is chosen once, in [sandbox] store"
        )
    return Api(
        name=name,
        contract=contract,
        mount=mount.rstrip("/") or "/",
        published=published if not published or is_url(published) else str((root / published).resolve()),
        mirrors=mirrors,
        vendor=vendor,
        mock=mock,
        state=state,
        faults=faults,
        rate_limit=rate_limit,
        scenarios=scenarios,
        oauth2=oauth2,
        sunset=sunset,
        verify=verify,
    )


def _verify(table: dict[str, Any], prefix: str, where: str) -> VerifySettings:
    _known_keys(table, _VERIFY_KEYS, prefix, where)
    safe = table.get("safe", [])
    if not isinstance(safe, list) or not all(isinstance(name, str) and name for name in safe):
        raise ConfigError(f"{prefix}safe must be a list of operation names", where=where, hint='safe = ["GetOrder"]')
    budgets: dict[str, int | None] = {}
    for key in ("budget", "budget_per_operation"):
        value = table.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise ConfigError(f"{prefix}{key} must be a positive integer (requests)", where=where)
        budgets[key] = value
    return VerifySettings(frozenset(safe), budgets["budget"], budgets["budget_per_operation"])


def _mock_settings(table: dict[str, Any], prefix: str, where: str) -> dict[str, int | bool | str]:
    _known_keys(table, set(MOCK_SETTINGS), prefix, where)
    settings: dict[str, int | bool | str] = {}
    for key, value in table.items():
        if MOCK_SETTINGS[key] is str:  # *_env: an environment variable's name; its value never lives here
            if not isinstance(value, str) or not _ENV_NAME.match(value):
                raise ConfigError(f"{prefix}{key} must name an environment variable (A-Z, 0-9, _)", where=where)
        elif MOCK_SETTINGS[key] is bool:
            if not isinstance(value, bool):
                raise ConfigError(f"{prefix}{key} must be true or false", where=where)
        elif not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ConfigError(f"{prefix}{key} must be a positive integer", where=where)
        settings[key] = value
    return settings


def _vendor(table: Any, prefix: str, where: str) -> Vendor:
    if not isinstance(table, dict):
        raise ConfigError(f"[{prefix.rstrip('.')}] must be a table", where=where)
    _known_keys(table, _VENDOR_KEYS, prefix, where)
    urls = {key: _string(table, key, prefix, where) for key in ("sandbox_url", "graphql_endpoint", "wsdl_url")}
    for key, url in urls.items():
        if url and not is_url(url):
            raise ConfigError(f"{prefix}{key} must be an http(s) URL", where=where)
    auth_table = table.get("auth")
    return Vendor(**urls, auth=_auth(auth_table, prefix + "auth.", where) if auth_table is not None else None)


def _auth(table: Any, prefix: str, where: str) -> Auth:
    if not isinstance(table, dict):
        raise ConfigError(f"{prefix.rstrip('.')} must be a table", where=where)
    kind = table.get("type")
    if kind not in _AUTH_KINDS:
        raise ConfigError(f"{prefix}type must be one of {', '.join(sorted(_AUTH_KINDS))}", where=where)
    keys = _AUTH_KINDS[kind]
    _known_keys(table, {"type", *keys}, prefix, where)
    env: dict[str, str] = {}
    for key in sorted(keys):
        value = _string(table, key, prefix, where, required=True)
        if value is None or not key.endswith("_env"):
            continue
        if not _ENV_NAME.match(value):
            # Never echo the value: if it is not a variable name, it may be the secret itself.
            raise ConfigError(
                f"{prefix}{key} must name an environment variable (UPPER_CASE_WITH_UNDERSCORES)",
                where=where,
                hint="credentials are never written in sandbox.toml; put the secret in an environment variable "
                "and write that variable's name here",
            )
        env[key.removesuffix("_env")] = value
    return Auth(kind=kind, name=table.get("name"), env=env)
