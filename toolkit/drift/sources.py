"""Where the two sides of a drift come from, and what every comparison of a run does with them.

Two contracts named by the user (files, folders, URLs, or ``REF:PATH`` at a git revision: ``gitref``),
or a workspace API. For a workspace API, OLD is the pinned contract and NEW is, in order of preference:
``published`` (a path or URL), the vendor's GraphQL endpoint (introspection), or its ``wsdl_url``.
``live=True`` skips ``published`` to ask the vendor directly. The network is used only for those URLs: a
pinned or published file that refers to the network is refused by the ``SourceReader`` as everywhere else.

Each comparison (``DriftOptions``) diffs with the run's policies, adds the sunset horizon's findings from
the pinned contract (``horizon``), then keeps what the filters select (``filters``). An API with nothing
to compare with is checked against the horizon alone when there is one; otherwise it is skipped with a
note when the run covers the whole workspace or ``--live`` finds no live source (a REST API has none yet),
and an error when the user named it.

Evidence ``ctk verify`` collected from the vendor's answers (``toolkit.evidence``) is merged into the API's
changes as ``source="observed"``, judged against the pinned contract: the file ``--evidence`` names, else the
workspace's ``.ctk/evidence/<api>.json`` when there is one. An API with evidence but nothing to compare with is
checked against the evidence (and the horizon) alone.

Errors for one API are caught into its ``ApiDrift`` so the other APIs of the run are still compared.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.drift import diff_contracts
from toolkit.drift.errors import NoNewSourceError, UnknownApiError
from toolkit.drift.filters import ChangeFilter
from toolkit.drift.gitref import GitTree, is_git_ref, read_git_ref
from toolkit.drift.horizon import horizon_changes
from toolkit.drift.ignore import IgnoreList
from toolkit.drift.report import ApiDrift, ApiError, DriftReport
from toolkit.errors import CtkError
from toolkit.evidence import Evidence, EvidenceError, default_evidence_path, observations_to_changes, read_evidence
from toolkit.limits import Limits
from toolkit.load import load_contract
from toolkit.model import DEFAULT_DRIFT_POLICIES, Change, Contract, DriftPolicies
from toolkit.sources import display_name, is_url
from toolkit.vendor import (
    NO_CREDENTIALS,
    AuthenticatedReader,
    Credentials,
    credentials_for,
    fetch_introspection,
    introspection_refused,
    origin,
)
from toolkit.workspace import Api, Workspace


@dataclass(frozen=True)
class DriftOptions:
    """What every comparison of a run shares: the date sunsets are judged by, the diff's policies, the
    sunset horizon in days (None: none), the filters, and the evidence file the user named (None: each
    workspace API's own, when present)."""

    today: dt.date | None = None
    policies: DriftPolicies = DEFAULT_DRIFT_POLICIES
    horizon_days: int | None = None
    filter: ChangeFilter = field(default_factory=ChangeFilter)
    evidence: Path | None = None

    @property
    def day(self) -> dt.date:
        return self.today or dt.date.today()


DEFAULT_OPTIONS = DriftOptions()
HORIZON_ONLY = "horizon"  # ApiDrift.via when only the pinned contract's sunsets were checked
EVIDENCE_ONLY = "evidence"  # ApiDrift.via when only the vendor's observed answers (and the horizon) were checked


@dataclass(frozen=True)
class NewSource:
    via: str  # "published" | "introspection" | "wsdl"
    location: str  # a path or URL


def choose_new_source(api: Api, *, live: bool = False) -> NewSource:
    vendor = api.vendor
    if api.published and not live:
        return NewSource("published", api.published)
    if vendor is not None and vendor.graphql_endpoint:
        return NewSource("introspection", vendor.graphql_endpoint)
    if vendor is not None and vendor.wsdl_url:
        return NewSource("wsdl", vendor.wsdl_url)
    wanted = "a vendor graphql_endpoint or wsdl_url" if live else "published, or a vendor graphql_endpoint or wsdl_url"
    raise NoNewSourceError(
        f"API {api.name} has nothing to compare its pinned contract with",
        hint=f"set {wanted} in [apis.{api.name}] of sandbox/sandbox.toml",
    )


def _credentials(api: Api, url: str, env: Mapping[str, str] | None) -> Credentials:
    """The vendor's credentials, if ``url`` is on the origin of one of the vendor's own URLs.

    A ``published`` URL on a docs site or a raw GitHub file must not receive the sandbox API key.
    """
    vendor = api.vendor
    if vendor is None or vendor.auth is None:
        return NO_CREDENTIALS
    for vendor_url in (vendor.graphql_endpoint, vendor.wsdl_url, vendor.sandbox_url):
        if vendor_url and origin(vendor_url) == origin(url):
            return credentials_for(vendor.auth, vendor_url, api=api.name, env=env)
    return NO_CREDENTIALS


def load_new(
    api: Api, source: NewSource, *, env: Mapping[str, str] | None = None, limits: Limits | None = None
) -> Contract:
    """Load NEW for ``api`` from ``source``; any secret is scrubbed from errors on the way out.

    ``limits`` (the workspace's, default: the environment's) bound the fetch time and the contract's size.
    """
    if not is_url(source.location):
        return load_contract(source.location, mirrors=api.mirrors, limits=limits)
    credentials = _credentials(api, source.location, env)
    try:
        if source.via == "introspection":
            return load_live_schema(source.location, credentials, limits=limits)
        reader = AuthenticatedReader(credentials, mirrors=api.mirrors, limits=limits)
        return load_contract(source.location, reader=reader)
    except CtkError as exc:
        raise credentials.redact_error(exc) from None


def load_live_schema(endpoint: str, credentials: Credentials, *, limits: Limits | None = None) -> Contract:
    """A GraphQL vendor's schema by introspection: fetched by ``toolkit.vendor``, built by the GraphQL loader."""
    from toolkit.graphql.load import introspection_query, introspection_schema, load_introspection

    answer = fetch_introspection(endpoint, credentials, query=introspection_query(), limits=limits)
    schema = introspection_schema(answer.document)
    if schema is None:
        raise introspection_refused(endpoint, answer.document, credentials)
    # the repairs' warnings point into the answer: under "data" when the vendor wrapped it, as servers do
    return load_introspection(answer.source, schema, pointer_prefix="/data" if schema is not answer.document else "")


def _operation_ids(old: Contract, new: Contract | None) -> tuple[str, ...]:
    ids = [op.id for op in new.operations] if new is not None else []
    seen = set(ids)
    return tuple(ids + [op.id for op in old.operations if op.id not in seen])


def _local_file(contract: Contract) -> str | None:
    """The local file holding a contract's root document (for annotations that point at a line), if any."""
    return None if is_url(contract.source) else display_name(contract.source)


def compare(
    name: str,
    old: Contract,
    new: Contract | None,
    *,
    old_label: str,
    new_label: str,
    via: str,
    options: DriftOptions = DEFAULT_OPTIONS,
    old_file: str | None = None,
    new_file: str | None = None,
    evidence: Evidence | None = None,
) -> ApiDrift:
    """``old`` against ``new`` under ``options``, plus what ``evidence`` observed, judged against ``old``;
    ``new`` None: the pinned contract's sunset horizon (and the evidence) only."""
    today = options.day
    changes: list[Change] = []
    if new is not None:
        changes = diff_contracts(old, new, today=today, policies=options.policies)
    if options.horizon_days is not None:
        changes += horizon_changes(old, today=today, days=options.horizon_days)
    if evidence is not None:
        horizon = options.horizon_days if options.horizon_days is not None else evidence.sunset_horizon_days
        changes += observations_to_changes(evidence.observations, old, today=today, horizon_days=horizon)
    contracts = (old,) if new is None else (old, new)
    operations = _operation_ids(old, new)
    if options.filter:
        changes = options.filter.apply(changes, contracts)
        operations = options.filter.operation_ids(operations, contracts)
    return ApiDrift(
        name=name,
        old=old_label,
        new=new_label,
        protocol=str(old.protocol),
        via=via,
        changes=tuple(changes),
        operations=operations,
        old_file=old_file,
        new_file=new_file,
    )


def compare_files(
    old: str,
    new: str,
    *,
    mirrors: Mapping[str, str],
    name: str | None = None,
    options: DriftOptions = DEFAULT_OPTIONS,
    cwd: Path | None = None,
) -> ApiDrift:
    """Two contracts named by the user; errors propagate (there is nothing else to report).

    Either may be ``REF:PATH`` (a file or folder at a git revision, read from the repository around
    ``cwd``, never from the work tree); messages then name ``REF:PATH``, not the temporary copy.
    """
    trees: list[GitTree] = []
    try:
        sides: list[tuple[Contract, str | None]] = []
        for argument in (old, new):
            tree = read_git_ref(argument, cwd=cwd) if is_git_ref(argument) else None
            if tree is not None:
                trees.append(tree)
            try:
                contract = load_contract(str(tree.contract) if tree else argument, mirrors=mirrors)
            except CtkError as exc:
                raise (tree.restore(exc) if tree else exc) from None
            # a side read from git has no file in the work tree to point at
            sides.append((contract, None if tree else _local_file(contract)))
        (old_contract, old_file), (new_contract, new_file) = sides
        evidence = read_evidence(options.evidence) if options.evidence is not None else None
        return compare(
            name or api_name(_path_part(old), new_contract),
            old_contract,
            new_contract,
            old_label=display_name(old) if not is_git_ref(old) else old,
            new_label=display_name(new) if not is_git_ref(new) else new,
            via="files",
            options=options,
            old_file=old_file,
            new_file=new_file,
            evidence=evidence,
        )
    finally:
        for tree in trees:
            tree.remove()


def _path_part(argument: str) -> str:
    """The path of a ``REF:PATH`` (what names the API), else the argument itself."""
    return argument.split(":", 1)[1] if is_git_ref(argument) else argument


def api_name(old: str, new: Contract) -> str:
    """A name for a pair given by path: ``<api>`` for ``…/contracts/<api>/<version>``, else NEW's title."""
    if not is_url(old):
        parts = Path(os.path.abspath(old)).parts
        if "contracts" in parts:
            index = len(parts) - 1 - parts[::-1].index("contracts")
            if index + 2 < len(parts):
                return parts[index + 1]
    return new.title or Path(new.source).stem


def compare_api(
    space: Workspace,
    api: Api,
    *,
    live: bool = False,
    named: bool = False,
    options: DriftOptions = DEFAULT_OPTIONS,
    env: Mapping[str, str] | None = None,
    debug: bool = False,
) -> ApiDrift:
    """A workspace API against its vendor's current contract; an error becomes the API's result.

    With nothing to compare with, the pinned contract is checked against the sunset horizon alone when
    ``options`` has one; else the API is skipped with a note under ``live`` or when it was not ``named``
    by the user, and is an error when it was. ``debug`` lets unexpected exceptions (bugs) through with
    their traceback instead.
    """
    old_label = _relative(str(api.contract), space.root)
    new_label = api.published or "-"
    via = "published"
    protocol: str | None = None
    try:
        evidence = _evidence(space, api, options)
        alone = options.horizon_days is not None or evidence is not None  # something to check the pinned one with
        try:
            source: NewSource | None = choose_new_source(api, live=live)
        except NoNewSourceError:
            if not alone and (named and not live):
                raise
            source = None
            if not alone:
                note = _no_source_note(api, live)
                # via: what NEW would have come from; "none" when the API has no source at all
                return ApiDrift(name=api.name, old=old_label, new="-", via="live" if live else "none", skipped=note)
        old = load_contract(api.contract, mirrors=api.mirrors, limits=space.limits)
        protocol = str(old.protocol)
        if source is None:
            new_label, via = (
                ("-", HORIZON_ONLY) if evidence is None else (_evidence_label(space, api, options), EVIDENCE_ONLY)
            )
            return compare(
                api.name, old, None, old_label=old_label, new_label=new_label, via=via, options=options,
                old_file=_local_file(old), evidence=evidence,
            )  # fmt: skip
        new_label, via = _relative(source.location, space.root), source.via
        new = load_new(api, source, env=env, limits=space.limits)
        return compare(
            api.name, old, new, old_label=old_label, new_label=new_label, via=via, options=options,
            old_file=_local_file(old), new_file=_local_file(new), evidence=evidence,
        )  # fmt: skip
    except CtkError as exc:
        error = ApiError.of(exc)
    except Exception as exc:  # a bug in one protocol's rules must not hide the other APIs' results
        if debug:
            raise
        error = ApiError(
            message=f"internal error: {exc.__class__.__name__}: {exc}",
            hint="this is a bug in ctk; run again with --debug and report the traceback",
        )
    return ApiDrift(name=api.name, old=old_label, new=new_label, protocol=protocol, via=via, error=error)


def _evidence_path(space: Workspace, api: Api, options: DriftOptions) -> Path:
    return options.evidence if options.evidence is not None else default_evidence_path(space.root, api.name)


def _evidence_label(space: Workspace, api: Api, options: DriftOptions) -> str:
    return _relative(str(_evidence_path(space, api, options)), space.root)


def _evidence(space: Workspace, api: Api, options: DriftOptions) -> Evidence | None:
    """The API's evidence: the file the user named (which must be this API's), else the workspace's if present."""
    path = _evidence_path(space, api, options)
    if options.evidence is None and not path.is_file():
        return None
    evidence = read_evidence(path)
    if evidence.api != api.name:
        raise EvidenceError(
            f"the evidence is about API {evidence.api!r}, not {api.name!r}",
            where=str(path),
            hint=f"name {api.name}'s evidence file, or the API {evidence.api}",
        )
    return evidence


def _no_source_note(api: Api, live: bool) -> str:
    if live:
        return "no live source (a vendor graphql_endpoint or wsdl_url; REST APIs have none yet)" + (
            "; run without --live to compare with published" if api.published else ""
        )
    return (
        "nothing to compare the pinned contract with "
        f"(set published, or a vendor graphql_endpoint or wsdl_url in [apis.{api.name}])"
    )


def workspace_report(
    space: Workspace,
    names: Iterable[str] = (),
    *,
    live: bool = False,
    ignores: IgnoreList | None = None,
    options: DriftOptions = DEFAULT_OPTIONS,
    env: Mapping[str, str] | None = None,
    debug: bool = False,
) -> DriftReport:
    """Every API of ``space`` (or those in ``names``), each compared on its own."""
    named = list(names)
    wanted = named or list(space.apis)
    for name in wanted:
        if name not in space.apis:
            raise UnknownApiError(
                f"{name!r} is not an API of the workspace (its APIs: {', '.join(space.apis)})",
                where=str(space.config),
                hint="to compare two contracts, name both: ctk drift OLD NEW",
            )
    apis = tuple(
        compare_api(space, space.apis[name], live=live, named=bool(named), options=options, env=env, debug=debug)
        for name in wanted
    )
    return DriftReport(apis=apis, ignores=ignores or IgnoreList(), today=options.day)


def _relative(location: str, root: Path) -> str:
    if is_url(location):
        return location
    try:
        return str(Path(location).relative_to(root))
    except ValueError:
        return display_name(location)
