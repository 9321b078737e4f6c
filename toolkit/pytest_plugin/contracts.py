"""Which contract a test names, and its sandbox, compiled once per process.

``ctk_mock("payments")`` names a workspace API (sandbox/sandbox.toml), ``ctk_mock("contracts/x/openapi.yaml")``
a contract by path (relative to the workspace root, else the current folder). Either becomes the same
``ServeConfig`` ``ctk serve`` builds, for that one API, and ``build_handler`` compiles it into a ``Sandbox``:
the layers, journal, faults, scenarios and state behave as they do under ``ctk serve``. Compiling costs up to a
second for a large contract, so each (API, seed) is compiled once per process and kept; tests share it and
keep apart by session (``X-Ctk-Session``), one per test.

The URL a test's client uses is the vendor's, so the code under test needs no test-only setting: REST the
contract's first server URL, SOAP the WSDL's first address, GraphQL the API's ``graphql_endpoint`` or
``http://<api>.ctk.test/graphql``. The mock is mounted at that URL's path.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from toolkit.errors import ConfigError

if TYPE_CHECKING:
    from toolkit.limits import Limits
    from toolkit.model import Contract
    from toolkit.sandbox.admin.runtime import ApiRuntime, Sandbox
    from toolkit.sandbox.server import MountedContract
    from toolkit.workspace import Workspace

__all__ = ["Compiled", "compiled", "workspace_at"]

_NAME = re.compile(r"[^A-Za-z0-9_-]+")
_VERSION = re.compile(r"v\d+(?:[._-]\d+)*")


@dataclass
class Compiled:
    """One API's sandbox, compiled: shared by every test of the process that names the same API and seed."""

    key: str  # the API's name in reports: the workspace name, or the contract's path
    name: str  # the name the sandbox's admin API knows it by
    url: str  # the base URL clients use
    sandbox: Sandbox
    item: MountedContract
    operations: tuple[str, ...]
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def runtime(self) -> ApiRuntime:
        return self.sandbox.apis[0]

    @property
    def contract(self) -> Contract:
        return self.runtime.envelope.contract

    @property
    def protocol(self) -> str:
        return self.contract.protocol.value


_CACHE: dict[tuple[str, str, int], Compiled] = {}
_CACHE_LOCK = threading.Lock()
_WORKSPACES: dict[Path, Workspace] = {}


def workspace_at(root: Path) -> Workspace | None:
    """The workspace at ``root`` (read once per process), or None when ``root`` holds no sandbox/sandbox.toml."""
    from toolkit.workspace import CONFIG_PATH, load_workspace

    if not (root / CONFIG_PATH).is_file():
        return None
    if root not in _WORKSPACES:
        _WORKSPACES[root] = load_workspace(root)
    return _WORKSPACES[root]


def compiled(spec: str | Path, root: Path | None, seed: int | None) -> Compiled:
    """The compiled sandbox of ``spec`` (an API of the workspace at ``root``, or a contract's path)."""
    space = workspace_at(root) if root is not None else None
    text = str(spec)
    if space is not None and text in space.apis:
        key = text
    else:
        path = Path(text)
        if not path.is_absolute() and root is not None and (root / path).exists():
            path = root / path
        if not path.exists():
            known = ", ".join(sorted(space.apis)) if space is not None else ""
            raise ConfigError(
                f"{text!r} is neither an API of the workspace nor a contract's path",
                where=str(space.config) if space is not None else str(Path.cwd()),
                hint=f"the workspace's APIs: {known}" if known else "give a contract's path, or set ctk_root",
            )
        resolved = path.resolve()
        key = _shown(resolved, root)
        text = str(resolved)
    actual_seed = seed if seed is not None else (space.sandbox.seed if space is not None else 0)
    cache_key = (str(root), text, actual_seed)
    with _CACHE_LOCK:
        found = _CACHE.get(cache_key)
        if found is None:
            found = _CACHE[cache_key] = _compile(key, text, space, actual_seed)
    return found


def _shown(path: Path, root: Path | None) -> str:
    if root is not None and path.is_relative_to(root.resolve()):
        return path.relative_to(root.resolve()).as_posix()
    return path.as_posix()


def _compile(key: str, spec: str, space: Workspace | None, seed: int) -> Compiled:
    from toolkit.load import load_contract
    from toolkit.sandbox.server import MountedContract, ServeConfig, build_handler, changed_limits, mounted_apis

    limits: Limits | None
    if space is not None and spec in space.apis:
        item = next(entry for entry in mounted_apis(space) if entry.name == spec)
        limits = space.limits
        vendor = space.apis[spec].vendor
        endpoint = vendor.graphql_endpoint if vendor is not None else None
    else:
        item = MountedContract(spec, name=_name_of(Path(spec)))
        limits = space.limits if space is not None else None
        endpoint = None
    contract = load_contract(item.source, mirrors=item.mirrors, limits=limits) if limits else load_contract(item.source)
    url = base_url(contract, item.name, endpoint)
    mount = urlsplit(url).path.rstrip("/")
    # REST and SOAP are mounted where their contract puts them (None: the first server's path, each port's
    # address path); GraphQL at its endpoint's path
    item = replace(item, mount=mount if contract.protocol.value == "graphql" else None)
    config = ServeConfig([item], seed=seed, limits=changed_limits(limits) if limits else {}, journal_size=100_000)
    sandbox = build_handler(config)
    operations = tuple(operation.id for operation in sandbox.apis[0].envelope.contract.operations)
    return Compiled(key, item.name, url, sandbox, item, operations)


def _name_of(path: Path) -> str:
    """A name for a contract given by path: its file or folder's, or its parent's for a version folder
    (``contracts/inventory/v1`` → ``inventory``)."""
    name = path.stem if path.is_file() else path.name
    if _VERSION.fullmatch(name) and path.parent.name:
        name = path.parent.name
    return _NAME.sub("-", name).strip("-") or "contract"


def base_url(contract: Contract, name: str, graphql_endpoint: str | None = None) -> str:
    """The URL a client of ``contract`` talks to: see the module's docstring."""
    fallback = f"http://{name or 'api'}.ctk.test"
    protocol = contract.protocol.value
    if protocol == "openapi":
        servers: tuple[str, ...] = getattr(contract, "servers", ())
        first = servers[0] if servers else "/"
        return (first if "://" in first else fallback + "/" + first.lstrip("/")).rstrip("/")
    if protocol == "soap":
        address = next((getattr(op, "address", None) for op in contract.operations if getattr(op, "address", None)),
                       None)  # fmt: skip
        return str(address).rstrip("/") if address else fallback
    return (graphql_endpoint or fallback + "/graphql").rstrip("/")
