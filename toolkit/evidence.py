"""What a vendor's answers said that its contract does not: observations, their file, and the drift changes they are.

``ctk verify`` reads every answer of a run (``toolkit/verify/evidence_sink.py``) and keeps what it saw as
``Observation``s: the vendor's deprecation signals — ``Deprecation`` (RFC 9745: ``@<epoch seconds>``; the
draft's ``true`` and HTTP-dates are reported as malformed, with what was seen), ``Sunset`` (RFC 8594: an
HTTP-date), ``Link`` with ``rel="deprecation"`` or ``rel="sunset"``, ``Warning: 299`` — and what the answer
held beyond the contract (a status, field, header or SOAP Fault it does not declare; a deprecated GraphQL
field used). They are saved to an evidence file (``write_evidence``) that ``ctk drift`` reads
(``read_evidence``) and turns into ``Change(source="observed")`` (``observations_to_changes``), correlated with
the pinned contract, so one report shows what changed in the contract and what the vendor already does.

It lives in the foundation because both ``verify`` and ``drift`` use it and they may not import each other.
Every header value is cut to ``MAX_HEADER_CHARS`` before it is parsed and every detail kept is clipped, so a
hostile answer costs bounded time and memory.

Rules and severities (the ``id``s follow the other drift rules' style):

- ``observed-deprecation-undeclared`` (dangerous, deprecation): the vendor says the operation is deprecated
  (a ``Deprecation`` header, even a malformed one, a ``Sunset``, a deprecation or sunset ``Link``, a ``299``
  warning that says so) and the pinned contract neither marks it deprecated nor gives it a sunset: clients
  still work, but removal is coming and the contract is silent, as a deprecation with a sunset is graded in a diff;
- ``observed-sunset-passed`` (breaking, deprecation): the vendor's ``Sunset`` date is today or earlier, so
  calls may fail at any moment;
- ``observed-sunset-within-horizon`` (dangerous, deprecation): the vendor's ``Sunset`` is within the horizon
  (``--sunset-horizon``, else the one the evidence was collected with, else ``DEFAULT_HORIZON_DAYS``);
  dangerous rather than info, unlike the pinned horizon's, because the contract may not say it at all;
- ``observed-deprecation-header-malformed`` (info): a ``Deprecation`` or ``Sunset`` value of no RFC form —
  the vendor's tooling to fix, nothing a client breaks on (the signal still counts as a deprecation above);
- ``observed-undocumented-status`` (dangerous): a status the operation does not declare (nor a range or
  ``default`` covering it): the client has no path written for it;
- ``observed-undeclared-fault`` (dangerous): a SOAP Fault the WSDL does not declare for the operation;
- ``observed-undocumented-field``, ``observed-undocumented-header`` (info): more than the contract declares,
  which a tolerant reader ignores (a field's absence or a changed type is a conformance failure, not evidence);
- ``observed-deprecated-field-used`` (info, deprecation): the run selected a GraphQL field the schema marks
  deprecated — declared, so no drift, but a dependency on something going away;
- ``observed-warning`` (info): a ``299`` warning that does not speak of deprecation, kept so nobody misses it.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import os
import re
import tempfile
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit.errors import CtkError
from toolkit.model import Change, ChangeSeverity, Contract, Operation

__all__ = [
    "DEFAULT_HORIZON_DAYS",
    "FORMAT_VERSION",
    "KINDS",
    "MAX_EVIDENCE_BYTES",
    "MAX_HEADER_CHARS",
    "MAX_OBSERVATIONS",
    "RULES",
    "Evidence",
    "EvidenceError",
    "HeaderDate",
    "Link",
    "Observation",
    "clip",
    "default_evidence_path",
    "merge_observations",
    "observations_from_headers",
    "observations_to_changes",
    "parse_deprecation",
    "parse_links",
    "parse_sunset",
    "parse_warnings",
    "public_url",
    "read_evidence",
    "write_evidence",
]

FORMAT_VERSION = 1
DEFAULT_HORIZON_DAYS = 90
MAX_HEADER_CHARS = 8192  # of one header value, before parsing
MAX_DETAIL_CHARS = 300  # of what an observation keeps
MAX_LINKS = 32  # per Link value
MAX_WARNINGS = 16  # per Warning value
MAX_EVIDENCE_BYTES = 32 * 1024 * 1024
MAX_OBSERVATIONS = 100_000

KINDS = (
    "deprecation-header",
    "sunset-header",
    "link-deprecation",
    "link-sunset",
    "warning-299",
    "malformed-deprecation",
    "malformed-sunset",
    "undocumented-status",
    "undocumented-field",
    "undocumented-header",
    "undeclared-fault",
    "deprecated-field-used",
)

UNDECLARED = "observed-deprecation-undeclared"
SUNSET_WITHIN = "observed-sunset-within-horizon"
SUNSET_PASSED = "observed-sunset-passed"
MALFORMED = "observed-deprecation-header-malformed"
RULES = (
    UNDECLARED,
    SUNSET_WITHIN,
    SUNSET_PASSED,
    MALFORMED,
    "observed-undocumented-status",
    "observed-undocumented-field",
    "observed-undocumented-header",
    "observed-undeclared-fault",
    "observed-deprecated-field-used",
    "observed-warning",
)


class EvidenceError(CtkError):
    """An evidence file that cannot be read or written (names the file and the place in it)."""


@dataclass(frozen=True, order=True)
class Observation:
    """Evidence from one answer, tied to the contract's ``Operation.id``.

    ``detail``: the header value, status, field path or fault name (clipped; never a secret: only headers
    named here and the answer's own structure are kept). ``date``: the ISO date a deprecation or sunset
    header gives, when it gives one.
    """

    operation: str
    kind: str
    detail: str
    date: str | None = None


# ---------------------------------------------------------------------------------------------------------
# headers


def clip(text: str, limit: int = MAX_DETAIL_CHARS) -> str:
    """``text`` on one line and at most ``limit`` characters (an ellipsis says it was cut)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@dataclass(frozen=True)
class HeaderDate:
    """A header's date, or why the value is not one (``problem``); ``seen`` is the value as received, clipped."""

    seen: str
    date: dt.datetime | None = None
    problem: str = ""


_SF_DATE = re.compile(r"^@(-?\d{1,15})$")
# RFC 9110 §5.6.7: IMF-fixdate, and the obsolete rfc850 and asctime forms a recipient must accept
_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_LONG_DAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_TIME = r"\d{2}:\d{2}:\d{2}"
_HTTP_DATE = re.compile(
    rf"^(?:{_DAY}, \d{{2}} {_MONTH} \d{{4}} {_TIME} GMT"
    rf"|{_LONG_DAY}, \d{{2}}-{_MONTH}-\d{{2}} {_TIME} GMT"
    rf"|{_DAY} {_MONTH} [ \d]\d {_TIME} \d{{4}})$"
)


def _http_date(text: str) -> dt.datetime | None:
    if not _HTTP_DATE.match(text):
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def parse_deprecation(value: str) -> HeaderDate:
    """RFC 9745's ``Deprecation: @1688169599`` (a structured-field date: seconds since the epoch, UTC).

    Parameters after ``;`` are allowed by the structured-field grammar and ignored. The draft's ``true``
    and HTTP-dates (as the draft had them) are malformed: they say "deprecated" in a form tooling will stop
    reading, so they are reported with what was seen.
    """
    text = value[:MAX_HEADER_CHARS].strip()
    seen = clip(text)
    item = text.split(";", 1)[0].strip()
    match = _SF_DATE.match(item)
    if match:
        try:
            return HeaderDate(seen, dt.datetime.fromtimestamp(int(match.group(1)), tz=dt.UTC))
        except (OverflowError, OSError, ValueError):
            return HeaderDate(seen, problem="a date out of range")
    if item.lower() == "true":
        return HeaderDate(seen, problem="the draft's 'true'; RFC 9745 wants a date, @<epoch seconds>")
    if _http_date(item) is not None:
        return HeaderDate(seen, problem="an HTTP-date, as the draft had it; RFC 9745 wants @<epoch seconds>")
    return HeaderDate(seen, problem="not a structured-field date (@<epoch seconds>)")


def parse_sunset(value: str) -> HeaderDate:
    """RFC 8594's ``Sunset: Sat, 31 Dec 2027 23:59:59 GMT`` (an HTTP-date); anything else is malformed."""
    text = value[:MAX_HEADER_CHARS].strip()
    seen = clip(text)
    parsed = _http_date(text)
    if parsed is not None:
        return HeaderDate(seen, parsed)
    if _SF_DATE.match(text):
        return HeaderDate(seen, problem="a structured-field date; RFC 8594 wants an HTTP-date")
    return HeaderDate(seen, problem="not an HTTP-date (e.g. Sat, 31 Dec 2027 23:59:59 GMT)")


@dataclass(frozen=True)
class Link:
    """One link of a ``Link`` header (RFC 8288): its target and relation types (lower case)."""

    target: str
    rels: tuple[str, ...]


def _quoted(text: str, start: int) -> tuple[str, int]:
    """The quoted-string at ``text[start] == '"'`` unescaped, and the index after its closing quote."""
    out: list[str] = []
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            out.append(text[index + 1])
            index += 2
            continue
        if char == '"':
            return "".join(out), index + 1
        out.append(char)
        index += 1
    return "".join(out), index  # unterminated: what there was


def _skip_to_comma(text: str, index: int) -> int:
    """The index of the next comma outside a quoted string or ``<…>`` (or the end)."""
    while index < len(text):
        char = text[index]
        if char == '"':
            _, index = _quoted(text, index)
            continue
        if char == "<":
            end = text.find(">", index)
            index = len(text) if end < 0 else end + 1
            continue
        if char == ",":
            return index
        index += 1
    return index


def _skip_blanks(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t":
        index += 1
    return index


def _link_params(text: str, index: int) -> tuple[dict[str, str], int]:
    """``; name=value; name="quoted"`` from ``index``: the parameters (first of each name wins) and the end."""
    params: dict[str, str] = {}
    while True:
        index = _skip_blanks(text, index)
        if index >= len(text) or text[index] != ";":
            return params, index
        index = _skip_blanks(text, index + 1)
        end = index
        while end < len(text) and text[end] not in "=;, \t":
            end += 1
        name, index = text[index:end].lower(), _skip_blanks(text, end)
        value = ""
        if index < len(text) and text[index] == "=":
            index = _skip_blanks(text, index + 1)
            if index < len(text) and text[index] == '"':
                value, index = _quoted(text, index)
            else:
                end = index
                while end < len(text) and text[end] not in ";,":
                    end += 1
                value, index = text[index:end].strip(), end
        if name:
            params.setdefault(name, value)


def parse_links(value: str) -> list[Link]:
    """The links of a ``Link`` value: ``<uri>; rel="sunset", <uri>; rel=deprecation; type="text/html"``.

    Commas inside ``<…>`` and quoted strings do not split links; an entry that does not start with ``<`` is
    skipped; at most ``MAX_LINKS`` are read.
    """
    text = value[:MAX_HEADER_CHARS]
    links: list[Link] = []
    index = 0
    while index < len(text) and len(links) < MAX_LINKS:
        while index < len(text) and text[index] in " \t,":
            index += 1
        if index >= len(text):
            break
        if text[index] != "<":
            index = _skip_to_comma(text, index)
            continue
        end = text.find(">", index)
        if end < 0:
            break
        target = text[index + 1 : end].strip()
        params, index = _link_params(text, end + 1)
        links.append(Link(target, tuple(params.get("rel", "").lower().split())))
        index = _skip_to_comma(text, index)
    return links


_WARNING = re.compile(r'\s*(\d{3})\s+(\S+)\s+"')


def parse_warnings(value: str) -> list[tuple[int, str]]:
    """``(code, text)`` of each warning in a ``Warning`` value (RFC 7234: ``299 - "text" ["date"]``)."""
    text = value[:MAX_HEADER_CHARS]
    found: list[tuple[int, str]] = []
    index = 0
    while index < len(text) and len(found) < MAX_WARNINGS:
        while index < len(text) and text[index] in " \t,":
            index += 1
        match = _WARNING.match(text, index)
        if match is None:
            index = _skip_to_comma(text, index)
            continue
        message, index = _quoted(text, match.end() - 1)
        found.append((int(match.group(1)), message))
        index = _skip_to_comma(text, index)
    return found


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).date().isoformat()


def observations_from_headers(operation: str, headers: Iterable[tuple[str, str]]) -> list[Observation]:
    """The deprecation evidence in one answer's headers (each ``(name, value)`` pair, repeated names apart)."""
    found: list[Observation] = []
    for name, value in headers:
        lowered = name.lower()
        if lowered == "deprecation":
            reading = parse_deprecation(value)
            if reading.date is not None:
                found.append(Observation(operation, "deprecation-header", reading.seen, _iso(reading.date)))
            else:
                found.append(Observation(operation, "malformed-deprecation", f"{reading.seen} ({reading.problem})"))
        elif lowered == "sunset":
            reading = parse_sunset(value)
            if reading.date is not None:
                found.append(Observation(operation, "sunset-header", reading.seen, _iso(reading.date)))
            else:
                found.append(Observation(operation, "malformed-sunset", f"{reading.seen} ({reading.problem})"))
        elif lowered == "link":
            for link in parse_links(value):
                for rel in ("deprecation", "sunset"):
                    if rel in link.rels:
                        found.append(Observation(operation, f"link-{rel}", clip(link.target)))
        elif lowered == "warning":
            found.extend(
                Observation(operation, "warning-299", clip(message))
                for code, message in parse_warnings(value)
                if code == 299
            )
    return found


# ---------------------------------------------------------------------------------------------------------
# correlation with the contract

_SAYS_DEPRECATED = re.compile(r"\b(deprecat\w*|sunset\w*|retir\w*|end[- ]of[- ]life|removed|removal)\b", re.IGNORECASE)
# what says "deprecated", even in a malformed form (a 299 warning only when its text says so)
_SIGNALS = {
    "deprecation-header",
    "sunset-header",
    "link-deprecation",
    "link-sunset",
    "malformed-deprecation",
    "malformed-sunset",
}
_PLAIN = {
    "undocumented-status": (
        "observed-undocumented-status",
        ChangeSeverity.DANGEROUS,
        "answered status {detail}, which the contract does not declare for it",
    ),
    "undocumented-field": (
        "observed-undocumented-field",
        ChangeSeverity.INFO,
        "answered with field {detail}, which the contract does not declare",
    ),
    "undocumented-header": (
        "observed-undocumented-header",
        ChangeSeverity.INFO,
        "answered with header {detail}, which the contract does not declare",
    ),
    "undeclared-fault": (
        "observed-undeclared-fault",
        ChangeSeverity.DANGEROUS,
        "answered with Fault {detail}, which the WSDL does not declare for it",
    ),
    "deprecated-field-used": (
        "observed-deprecated-field-used",
        ChangeSeverity.INFO,
        "uses {detail}, which the schema marks deprecated",
    ),
}


def _date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _deprecation_changes(
    operation: str, seen: list[Observation], declared: Operation | None, today: dt.date, horizon: int
) -> list[Change]:
    """One operation's deprecation signals against what the contract says of it."""
    changes: list[Change] = []
    sunsets = sorted(d for d in (_date(o.date) for o in seen if o.kind == "sunset-header") if d is not None)
    sunset = sunsets[0] if sunsets else None  # the earliest the vendor announced
    deprecated_on = sorted(o.date for o in seen if o.kind == "deprecation-header" and o.date)
    signals = [o for o in seen if o.kind in _SIGNALS]
    signals += [o for o in seen if o.kind == "warning-299" and _SAYS_DEPRECATED.search(o.detail)]
    silent = declared is None or (not declared.deprecated and declared.sunset is None)
    if signals and silent:
        said = []
        if deprecated_on:
            said.append(f"deprecated since {deprecated_on[0]}")
        if sunset is not None:
            said.append(f"sunset {sunset.isoformat()}")
        links = sorted({o.detail for o in seen if o.kind.startswith("link-")})
        if links:
            said.append("see " + ", ".join(links[:3]))
        how = ", ".join(said) or "; ".join(sorted({clip(o.detail, 80) for o in signals})[:2])
        where = "the contract has no such operation" if declared is None else "the contract does not say so"
        changes.append(
            Change(
                id=UNDECLARED,
                severity=ChangeSeverity.DANGEROUS,
                message=f"{operation}: the vendor says it is deprecated ({how}); {where}",
                operations=(operation,),
                new="header Deprecation" if deprecated_on else f"header {_header_of(signals[0])}",
                sunset=sunset,
                deprecation=True,
                source="observed",
            )
        )
    if sunset is not None:
        if sunset <= today:
            changes.append(
                Change(
                    id=SUNSET_PASSED,
                    severity=ChangeSeverity.BREAKING,
                    message=f"{operation}: the vendor's Sunset header says {sunset.isoformat()}, today or earlier: "
                    "calls may fail at any time",
                    operations=(operation,),
                    new="header Sunset",
                    sunset=sunset,
                    deprecation=True,
                    source="observed",
                )
            )
        elif (sunset - today).days <= horizon:
            changes.append(
                Change(
                    id=SUNSET_WITHIN,
                    severity=ChangeSeverity.DANGEROUS,
                    message=f"{operation}: the vendor's Sunset header says {sunset.isoformat()}, "
                    f"in {(sunset - today).days} days (within {horizon})",
                    operations=(operation,),
                    new="header Sunset",
                    sunset=sunset,
                    deprecation=True,
                    source="observed",
                )
            )
    for bad in (o for o in seen if o.kind in ("malformed-deprecation", "malformed-sunset")):
        header = _header_of(bad)
        changes.append(
            Change(
                id=MALFORMED,
                severity=ChangeSeverity.INFO,
                message=f"{operation}: malformed {header} header: {bad.detail}",
                operations=(operation,),
                new=f"header {header}",
                source="observed",
            )
        )
    return changes


def _header_of(observation: Observation) -> str:
    kind = observation.kind
    if kind.startswith("link-"):
        return "Link"
    if kind == "warning-299":
        return "Warning"
    return "Sunset" if "sunset" in kind else "Deprecation"


def observations_to_changes(
    observations: Iterable[Observation],
    contract: Contract | None,
    *,
    today: dt.date,
    horizon_days: int | None = None,
) -> list[Change]:
    """The drift changes ``observations`` amount to, judged against ``contract`` (the pinned one) on ``today``.

    ``horizon_days``: how far ahead an observed sunset is reported (None: ``DEFAULT_HORIZON_DAYS``).
    Each change has ``source="observed"``; the same observations give the same changes, in the same order.
    """
    horizon = DEFAULT_HORIZON_DAYS if horizon_days is None else horizon_days
    declared = {op.id: op for op in contract.operations} if contract is not None else {}
    by_operation: dict[str, list[Observation]] = {}
    for observation in sorted(set(observations)):
        by_operation.setdefault(observation.operation, []).append(observation)
    changes: list[Change] = []
    for operation, seen in by_operation.items():
        op = declared.get(operation)
        changes += _deprecation_changes(operation, seen, op if contract is not None else None, today, horizon)
        for observation in seen:
            if observation.kind in _PLAIN:
                rule, severity, template = _PLAIN[observation.kind]
                changes.append(
                    Change(
                        id=rule,
                        severity=severity,
                        message=f"{operation}: " + template.format(detail=observation.detail),
                        operations=(operation,),
                        new=observation.detail,
                        deprecation=observation.kind == "deprecated-field-used",
                        source="observed",
                    )
                )
            elif observation.kind == "warning-299" and not _SAYS_DEPRECATED.search(observation.detail):
                changes.append(
                    Change(
                        id="observed-warning",
                        severity=ChangeSeverity.INFO,
                        message=f"{operation}: the vendor warns: {observation.detail}",
                        operations=(operation,),
                        new="header Warning",
                        source="observed",
                    )
                )
    return changes


# ---------------------------------------------------------------------------------------------------------
# the evidence file


@dataclass(frozen=True)
class Evidence:
    """One API's evidence: what ``ctk verify`` saw, from which contract and base URL, and when."""

    api: str
    contract: str
    base_url: str
    collected_at: str  # ISO 8601, UTC
    observations: tuple[Observation, ...] = ()
    sunset_horizon_days: int | None = None  # the horizon the run was given, if any

    def to_json(self) -> dict[str, Any]:
        return {
            "ctk_evidence": FORMAT_VERSION,
            "api": self.api,
            "contract": self.contract,
            "base_url": public_url(self.base_url),
            "collected_at": self.collected_at,
            "sunset_horizon_days": self.sunset_horizon_days,
            "observations": [
                {"operation": o.operation, "kind": o.kind, "detail": o.detail, "date": o.date}
                for o in sorted(set(self.observations))
            ],
        }


def public_url(url: str) -> str:
    """``url`` without user information, query or fragment: the part that may be written down."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return ""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"{host}:{port}" if port is not None else host
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def default_evidence_path(root: Path, api: str) -> Path:
    """Where ``ctk verify`` saves an API's evidence and ``ctk drift`` looks for it: ``.ctk/evidence/<api>.json``."""
    return root / ".ctk" / "evidence" / f"{api}.json"


def write_evidence(path: Path, evidence: Evidence) -> None:
    """Write ``evidence`` to ``path`` atomically (a temporary file beside it, then a rename), sorted and stable."""
    text = json.dumps(evidence.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise EvidenceError(f"cannot write the evidence file: {exc.strerror}", where=str(path)) from None


_HINT = "write it again with ctk verify, or delete it"


def _refuse(path: Path, message: str, pointer: str = "") -> EvidenceError:
    return EvidenceError(message, where=f"{path}#{pointer}" if pointer else str(path), hint=_HINT)


def _text_field(path: Path, data: dict[str, Any], key: str, pointer: str = "") -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise _refuse(path, f"{key} must be a string, not {type(value).__name__}", f"{pointer}/{key}")
    if len(value) > MAX_HEADER_CHARS:
        raise _refuse(path, f"{key} is longer than {MAX_HEADER_CHARS} characters", f"{pointer}/{key}")
    return value


def read_evidence(path: Path, *, max_bytes: int = MAX_EVIDENCE_BYTES) -> Evidence:
    """An evidence file, checked whole: an ``EvidenceError`` naming the file (and the place in it) otherwise."""
    if not path.exists():
        raise EvidenceError(
            "no such evidence file", where=str(path), hint="run ctk verify first, or name the file ctk verify wrote"
        )
    if not path.is_file():  # checked before opening: a FIFO would block the read
        raise _refuse(path, "the evidence file is not a regular file")
    try:
        with path.open("rb") as stream:
            raw = stream.read(max_bytes + 1)
    except OSError as exc:
        raise _refuse(path, f"cannot read the evidence file: {exc.strerror}") from None
    if len(raw) > max_bytes:
        raise _refuse(path, f"the evidence file is larger than {max_bytes} bytes")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise _refuse(path, "the evidence file is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise EvidenceError(
            f"the evidence file is not JSON: {exc.msg}", where=f"{path}:{exc.lineno}:{exc.colno}", hint=_HINT
        ) from None
    except RecursionError:
        raise _refuse(path, "the evidence file nests too deeply") from None
    if not isinstance(data, dict) or "ctk_evidence" not in data:
        raise _refuse(path, "not a ctk evidence file (no ctk_evidence key)")
    if data["ctk_evidence"] != FORMAT_VERSION:
        raise _refuse(path, f"evidence format {data['ctk_evidence']!r} is not one this ctk reads ({FORMAT_VERSION})")
    horizon = data.get("sunset_horizon_days")
    if horizon is not None and (not isinstance(horizon, int) or isinstance(horizon, bool) or horizon < 0):
        raise _refuse(path, "sunset_horizon_days must be a number of days or null", "/sunset_horizon_days")
    items = data.get("observations")
    if not isinstance(items, list):
        raise _refuse(path, "observations must be a list", "/observations")
    if len(items) > MAX_OBSERVATIONS:
        raise _refuse(path, f"more than {MAX_OBSERVATIONS} observations", "/observations")
    return Evidence(
        api=_text_field(path, data, "api"),
        contract=_text_field(path, data, "contract"),
        base_url=_text_field(path, data, "base_url"),
        collected_at=_text_field(path, data, "collected_at"),
        observations=tuple(_observation(path, item, index) for index, item in enumerate(items)),
        sunset_horizon_days=horizon,
    )


def _observation(path: Path, item: Any, index: int) -> Observation:
    pointer = f"/observations/{index}"
    if not isinstance(item, dict):
        raise _refuse(path, "an observation must be an object", pointer)
    kind = _text_field(path, item, "kind", pointer)
    if kind not in KINDS:
        raise _refuse(
            path, f"unknown observation kind {clip(kind, 60)!r} (kinds: {', '.join(KINDS)})", pointer + "/kind"
        )
    date = item.get("date")
    if date is not None and (not isinstance(date, str) or _date(date) is None):
        raise _refuse(path, "date must be an ISO date (YYYY-MM-DD) or null", pointer + "/date")
    return Observation(
        operation=_text_field(path, item, "operation", pointer),
        kind=kind,
        detail=_text_field(path, item, "detail", pointer),
        date=date,
    )


def merge_observations(*groups: Sequence[Observation]) -> tuple[Observation, ...]:
    """Several runs' observations as one sorted tuple, each once."""
    return tuple(sorted({o for group in groups for o in group}))
