"""The protocol table: for each protocol, which module does each job. The one place that answers it.

``toolkit.load`` (reading a contract), ``toolkit.lint``, ``compile_mock`` (below), drift's diff dispatch
and ``ctk serve``'s settings all ask here, and import the protocol's module only when the job is
needed: linting an OpenAPI file imports neither lxml nor graphql-core, and ``import toolkit`` loads no
protocol library. Entries are dotted strings (``module:attribute``) resolved with importlib, so this
module imports no protocol package; a missing one is one error, ``JobUnavailableError``.

Jobs:

- ``load_xml``, ``load_data``, ``load_sdl``: read a contract from an XML document, a parsed JSON/YAML
  document (None when it is not this protocol's; protocols are asked in table order), or SDL files
- ``lint``: ``(contract, limits) -> [Problem]``, the protocol's own checks
- ``mock``: the ``CompiledMock`` class; its ``Options`` attribute is its options class
- ``diff``: ``(old, new, *, today=None) -> [Change]``
- ``mock_settings``: the ``[apis.NAME.mock]`` settings of sandbox.toml its mock understands
- ``verify``: conformance checks against a vendor's sandbox (``ctk verify``; not built yet)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, cast

from toolkit.errors import CtkError
from toolkit.limits import Limits
from toolkit.model import Change, Contract, DriftPolicies, Problem
from toolkit.model import Protocol as ContractProtocol

if TYPE_CHECKING:
    from toolkit.mock.compiled import CompiledMock
    from toolkit.mock.envelope import MockEnvelope
    from toolkit.sources import Source, SourceReader

__all__ = [
    "TABLE",
    "JobUnavailableError",
    "ProtocolEntry",
    "compile_mock",
    "diff",
    "job",
    "label",
    "lint",
    "load_data",
    "load_sdl",
    "load_xml",
    "mock_settings",
    "providers",
]

Job = Literal["load_xml", "load_data", "load_sdl", "lint", "mock", "diff", "verify"]


@dataclass(frozen=True)
class ProtocolEntry:
    protocol: ContractProtocol
    label: str  # how users name its contracts: OpenAPI, WSDL, GraphQL
    jobs: Mapping[str, str]  # job -> "module:attribute"
    mock_settings: frozenset[str] = frozenset()  # [apis.NAME.mock] keys its mock understands


TABLE: tuple[ProtocolEntry, ...] = (
    ProtocolEntry(
        ContractProtocol.OPENAPI,
        "OpenAPI",
        {
            "load_data": "toolkit.openapi.load:load_parsed",
            "lint": "toolkit.openapi.lint:lint_openapi",
            "mock": "toolkit.openapi.mock.handler:OpenAPIMock",
            "diff": "toolkit.openapi.diff.compare:diff",
        },
        frozenset({"webhook_secret_env"}),
    ),
    ProtocolEntry(
        ContractProtocol.SOAP,
        "WSDL",
        {
            "load_xml": "toolkit.soap.load:load_wsdl",
            "lint": "toolkit.soap.lint:lint_soap",
            "mock": "toolkit.soap.mock.handler:SoapMock",
            "diff": "toolkit.soap.diff.compare:diff",
        },
    ),
    ProtocolEntry(
        ContractProtocol.GRAPHQL,
        "GraphQL",
        {
            "load_data": "toolkit.graphql.load:load_parsed",
            "load_sdl": "toolkit.graphql.load:load_sdl",
            "lint": "toolkit.graphql.lint:lint_graphql",
            "mock": "toolkit.graphql.mock.handler:GraphQLMock",
            "diff": "toolkit.graphql.diff.compare:diff",
        },
        frozenset({"max_depth", "max_cost", "max_tokens", "max_introspection_cost", "introspection"}),
    ),
)
_BY_PROTOCOL = {entry.protocol: entry for entry in TABLE}
_JOB_NAMES = {
    "load_xml": "XML contract reader",
    "load_data": "JSON/YAML contract reader",
    "load_sdl": "SDL reader",
    "lint": "lint rules",
    "mock": "mock",
    "diff": "drift rules",
    "verify": "conformance checks",
}


class JobUnavailableError(CtkError):
    """This installation of ctk cannot do a job for a protocol: no module is listed, or it is missing."""


def entry(protocol: ContractProtocol) -> ProtocolEntry:
    return _BY_PROTOCOL[protocol]


def label(protocol: ContractProtocol) -> str:
    """How users name the protocol's contracts: "OpenAPI", "WSDL", "GraphQL"."""
    return _BY_PROTOCOL[protocol].label


def job(protocol: ContractProtocol, name: Job) -> Any:
    """The object doing job ``name`` for ``protocol``, its module imported now (and cached by Python)."""
    item = _BY_PROTOCOL[protocol]
    target = item.jobs.get(name)
    if target is None:
        raise JobUnavailableError(
            f"ctk has no {_JOB_NAMES[name]} for {item.label} contracts",
            hint="see the README for what each protocol supports",
        )
    module_name, _, attribute = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is None or not module_name.startswith(exc.name):  # something the module imports is missing
            raise
        raise JobUnavailableError(
            f"this installation of ctk has no {_JOB_NAMES[name]} for {item.label} contracts ({module_name} is missing)",
            hint="reinstall or upgrade ctk",
        ) from None
    return getattr(module, attribute)


def providers(name: Job) -> Iterator[ContractProtocol]:
    """The protocols that list job ``name``, in table order."""
    return (item.protocol for item in TABLE if name in item.jobs)


# -- the jobs' signatures -------------------------------------------------------------------------------


class LoadXml(Protocol):
    def __call__(self, source: Source, reader: SourceReader) -> Contract: ...


class LoadData(Protocol):
    def __call__(self, source: Source, text: str, data: Any, reader: SourceReader) -> Contract | None: ...


class LoadSdl(Protocol):
    def __call__(self, sources: Sequence[Source], title: str) -> Contract: ...


class Lint(Protocol):
    def __call__(self, contract: Contract, limits: Limits) -> list[Problem]: ...


class Diff(Protocol):
    def __call__(
        self, old: Contract, new: Contract, *, today: dt.date | None = None, policies: DriftPolicies = ...
    ) -> list[Change]: ...


def load_xml(protocol: ContractProtocol) -> LoadXml:
    return cast(LoadXml, job(protocol, "load_xml"))


def load_data(protocol: ContractProtocol) -> LoadData:
    return cast(LoadData, job(protocol, "load_data"))


def load_sdl(protocol: ContractProtocol) -> LoadSdl:
    return cast(LoadSdl, job(protocol, "load_sdl"))


def lint(protocol: ContractProtocol) -> Lint:
    return cast(Lint, job(protocol, "lint"))


def diff(protocol: ContractProtocol) -> Diff:
    return cast(Diff, job(protocol, "diff"))


# -- mocks -------------------------------------------------------------------------------------------------


def compile_mock(contract: Contract, *, seed: int = 0, validate: bool = True, **options: object) -> MockEnvelope:
    """The compiled mock of ``contract`` in its envelope: routing, validators and generators built now.

    ``options`` are any of the protocol's mock options (``mount``, ``limits``, ``webhook_url``, GraphQL's
    ``max_depth``…): ``ctk serve`` passes one set to every API, and each mock takes those it understands.
    """
    from toolkit.mock.envelope import MockEnvelope

    mock_class = job(contract.protocol, "mock")
    options_class = mock_class.Options
    known = {item.name for item in dataclasses.fields(options_class)}
    chosen = {key: value for key, value in options.items() if key in known}
    mock: CompiledMock = mock_class(contract, options_class(seed=seed, validate=validate, **chosen))
    return MockEnvelope(mock)


def mock_settings(protocol: ContractProtocol) -> frozenset[str]:
    """The ``[apis.NAME.mock]`` settings of sandbox.toml the protocol's mock understands."""
    return _BY_PROTOCOL[protocol].mock_settings


def settings_owner(key: str) -> str | None:
    """The protocol whose mock understands setting ``key`` (for a hint when another protocol is given it)."""
    return next((item.label for item in TABLE if key in item.mock_settings), None)
