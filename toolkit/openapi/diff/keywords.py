"""What one schema says compared with another, keyword by keyword, at a single level.

The walker (``schemas``) descends into properties, items and compositions; the comparisons of
the keywords a schema holds itself (type and format, enum/pattern/default/const, bounds, deprecation,
discriminator, keyed keywords, ``x-stability-level``) live here, each a function that reports through
the ``Report`` callback the walker hands it, which knows where the two schemas are.
"""

from __future__ import annotations

from typing import Any, Protocol

from toolkit.openapi.diff.facts import ANY_STRING, BOUNDS, KEYED, as_dict, show, types_of
from toolkit.openapi.diff.policy import STABILITY, DiffPolicy, stability_label
from toolkit.openapi.diff.typesets import TypeChange
from toolkit.sunset import parse_sunset


class Report(Protocol):
    """Records one fact: rule suffixes (or one), the words, and the keyword the pointers end at."""

    def __call__(self, rules: tuple[str, ...] | str, text: str, key: str | None, **extra: Any) -> None: ...


def type_facts(ov: dict[str, Any], nv: dict[str, Any], fact: Report, *, scalar_fits_items: bool = False) -> None:
    """A change of the type set or the format, graded by ``emit`` once the place is known (``typesets``);
    nullability apart. ``scalar_fits_items``: NEW is an array whose items accept every value OLD did."""
    ot, onull = types_of(ov)
    nt, nnull = types_of(nv)
    of, nf = ov.get("format") or None, nv.get("format") or None
    if ot != nt or of != nf:
        change = TypeChange(ot, nt, of, nf, scalar_fits_items)
        fact("type-changed", change.words(), "type" if ot != nt else "format", types=change)
    # an untyped schema accepts null already: a 3.1 type set gained or lost with it says nothing about null
    if onull != nnull and (
        ("type" in ov and "type" in nv) or any(key in s for key in ("nullable", "x-nullable") for s in (ov, nv))
    ):
        fact(
            "became-nullable" if nnull else "became-not-nullable",
            "may now be null" if nnull else "may no longer be null",
            "nullable" if "nullable" in nv or "nullable" in ov else "type",
        )


def value_facts(ov: dict[str, Any], nv: dict[str, Any], fact: Report) -> None:
    oe, ne = ov.get("enum"), nv.get("enum")
    if isinstance(oe, list) and isinstance(ne, list):
        for value in oe:
            if value not in ne and value is not None:
                fact("enum-value-removed", f"enum value `{show(value)}` was removed", "enum")
        for value in ne:
            if value not in oe and value is not None:
                fact("enum-value-added", f"enum value `{show(value)}` was added", "enum")
    elif isinstance(ne, list) and not isinstance(oe, list):
        fact("became-enum", f"became an enum ({', '.join(show(v) for v in ne)})", "enum")
    ox, nx = ov.get("x-extensible-enum"), nv.get("x-extensible-enum")
    if isinstance(ox, list) and isinstance(nx, list):
        for value in ox:
            if value not in nx:
                fact(
                    "x-extensible-enum-value-removed",
                    f"x-extensible-enum value `{show(value)}` was removed",
                    "x-extensible-enum",
                )
    # an empty pattern constrains nothing: it reads as no pattern (oasdiff: `''` → `^a$` is pattern-added)
    op, np = ov.get("pattern") or None, nv.get("pattern") or None
    if op != np:
        if op is None:
            fact("pattern-added", f"pattern `{np}` was added", "pattern")
        elif np is None:
            fact("pattern-removed", f"pattern `{op}` was removed", "pattern")
        elif np in ANY_STRING:
            fact("pattern-generalized", f"pattern changed from `{op}` to `{np}`", "pattern")
        else:
            fact("pattern-changed", f"pattern changed from `{op}` to `{np}`", "pattern")
    for keyword, word in (("default", "default-value"), ("const", "const")):
        if keyword in ov and keyword in nv:
            if ov[keyword] != nv[keyword]:
                fact(
                    f"{word}-changed",
                    f"{keyword} changed from `{show(ov[keyword])}` to `{show(nv[keyword])}`",
                    keyword,
                )
        elif keyword in nv:
            fact(f"{word}-added", f"{keyword} `{show(nv[keyword])}` was added", keyword)
        elif keyword in ov:
            fact(f"{word}-removed", f"{keyword} `{show(ov[keyword])}` was removed", keyword)


def bound_facts(ov: dict[str, Any], nv: dict[str, Any], fact: Report) -> None:
    for keyword, word, _ in BOUNDS:
        a, b = ov.get(keyword), nv.get(keyword)
        if isinstance(a, bool) or isinstance(b, bool):
            continue  # 3.0's boolean exclusiveMaximum modifies maximum; compared there
        if not isinstance(a, (int, float)):
            a = None
        if not isinstance(b, (int, float)):
            b = None
        if a == b:
            continue
        if a is None:
            fact(f"{word}-set", f"{keyword} was set to {b}", keyword)
        elif b is None:
            fact(f"{word}-unset", f"{keyword} {a} was removed", keyword)
        else:
            verb = "increased" if b > a else "decreased"
            fact(f"{word}-{verb}", f"{keyword} {verb} from {a} to {b}", keyword)


def lifecycle_facts(ov: dict[str, Any], nv: dict[str, Any], fact: Report) -> None:
    od, nd = ov.get("deprecated") is True, nv.get("deprecated") is True
    if nd and not od:
        raw = nv.get("x-sunset")
        if raw is None:
            fact("deprecated", "was deprecated", "deprecated")
        elif parse_sunset(raw) is None:
            fact("deprecated-sunset-invalid", f"was deprecated with an invalid sunset {raw!r}", "x-sunset")
        else:
            fact("deprecated-with-sunset", f"was deprecated with sunset {raw}", "deprecated", sunset=str(raw))
    elif od and not nd:
        fact("reactivated", "is no longer deprecated", "deprecated")


def discriminator_facts(ov: dict[str, Any], nv: dict[str, Any], fact: Report) -> None:
    o, n = ov.get("discriminator"), nv.get("discriminator")
    if o == n:
        return
    if not isinstance(o, dict):
        fact("discriminator-added", "a discriminator was added", "discriminator")
        return
    if not isinstance(n, dict):
        fact("discriminator-removed", "the discriminator was removed", "discriminator")
        return
    if o.get("propertyName") != n.get("propertyName"):
        fact(
            "discriminator-property-name-changed",
            f"discriminator property changed from `{o.get('propertyName')}` to `{n.get('propertyName')}`",
            "discriminator",
        )
    om, nm = as_dict(o.get("mapping")), as_dict(n.get("mapping"))
    added = [k for k in nm if k not in om]
    removed = [k for k in om if k not in nm]
    changed = [k for k in om if k in nm and om[k] != nm[k]]
    if added:
        fact("discriminator-mapping-added", f"discriminator mapping keys {added} were added", "discriminator")
    if removed:
        fact("discriminator-mapping-deleted", f"discriminator mapping keys {removed} were deleted", "discriminator")
    if changed:
        fact("discriminator-mapping-changed", f"discriminator mapping changed for {changed}", "discriminator")


def keyed_facts(ov: dict[str, Any], nv: dict[str, Any], fact: Report) -> None:
    for keyword, word in KEYED:
        om, nm = as_dict(ov.get(keyword)), as_dict(nv.get(keyword))
        for name in nm:
            if name not in om:
                fact(f"{word}-added", f"{keyword} `{name}` was added", keyword)
        for name in om:
            if name not in nm:
                fact(f"{word}-removed", f"{keyword} `{name}` was removed", keyword)
            elif keyword == "dependentRequired" and om[name] != nm[name]:
                fact(f"{word}-changed", f"{keyword} `{name}` changed from {om[name]} to {nm[name]}", keyword)


def stability_change(ov: dict[str, Any], nv: dict[str, Any], policy: DiffPolicy) -> tuple[str, str] | None:
    """A property's ``x-stability-level`` moving: (rule suffix, words), or None when nothing is reported.

    As oasdiff: an unreadable level on either side is reported as invalid; a move is reported only when
    the level it leaves is tracked by the policy (default: beta and up), so draft → stable is silent.
    """
    raw_old, raw_new = ov.get("x-stability-level"), nv.get("x-stability-level")
    if raw_old == raw_new:
        return None
    before, after = stability_label(raw_old), stability_label(raw_new)
    if before is None or after is None:
        bad = raw_old if before is None else raw_new
        return "invalid-stability-level", f"x-stability-level {bad!r} is not one of {', '.join(STABILITY)}"
    if before == after or not policy.tracks(before):
        return None
    verb = "decreased" if STABILITY.index(after) < STABILITY.index(before) else "increased"
    return f"stability-{verb}", f"stability {verb} from {before} to {after}"
