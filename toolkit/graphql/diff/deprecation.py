"""Removals and deprecations, judged the same way for fields, arguments, input fields and enum values.

A removal is breaking, deprecated first or not, as graphql-core and GraphQL Inspector grade it: a
client still selecting the field fails all the same. The opt-in policy
``deprecated-removal-is-dangerous`` (Inspector's ``suppressRemovalOfDeprecatedField``) makes the
removal of a deprecated element dangerous, unless it comes before the sunset date its deprecation
announced: that promise is still running.

Deprecations carry Inspector's change names: a field's ``FIELD_DEPRECATION_ADDED`` / ``_REMOVED`` and,
for one deprecated in both versions, ``FIELD_DEPRECATION_REASON_ADDED`` / ``_CHANGED`` / ``_REMOVED``
(graphql-core's default reason, "No longer supported", counts as no reason); an enum value's
``ENUM_VALUE_DEPRECATION_REASON_*`` (Inspector has no other enum-value deprecation rule); arguments
and input fields the same as fields, under ``ARG_`` and ``INPUT_FIELD_`` (ctk names: Inspector reports
those only as the use of ``@deprecated``). A sunset date in the reason is read too: one moved earlier
is breaking in every protocol (a client loses time it was promised), one announced or moved later
is info.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from toolkit.graphql.diff.found import BREAKING, DANGEROUS, INFO
from toolkit.graphql.diff.usage import UsageRules
from toolkit.sunset import sunset_in_text

DEFAULT_REASON = "No longer supported"  # graphql-core's reason for a bare @deprecated
DEPRECATED_REMOVAL_IS_DANGEROUS = "deprecated-removal-is-dangerous"


def _reason(element: Any) -> str | None:
    reason: str | None = element.deprecation_reason
    return reason


def _no_reason(reason: str | None) -> bool:
    return reason is None or reason == DEFAULT_REASON


class DeprecationRules(UsageRules):
    """Removal and deprecation rules, shared by every construct."""

    def removed(self, rule: str, what: str, consequence: str, coordinate: str, old: Any) -> None:
        """A field, argument, input field or enum value removed: breaking, unless the team relaxed it."""
        reason = _reason(old)
        if reason is None:
            self.add(rule, BREAKING, f"{what}; {consequence}.", coordinate, None)
            return
        sunset = sunset_in_text(reason)
        early = sunset is not None and self.today <= sunset
        if sunset is not None and not early:
            note = f"after its sunset date {sunset.isoformat()}"
        elif sunset is not None:
            note = f"before its announced sunset date {sunset.isoformat()}"
        else:
            note = "after it was deprecated"
        relaxed = self.policies.relaxes(DEPRECATED_REMOVAL_IS_DANGEROUS) and not early
        text = f"{what} {note} (deprecation reason: {reason!r}); {consequence}."
        self.add(rule, DANGEROUS if relaxed else BREAKING, text, coordinate, None, sunset)

    def deprecation(self, kind: str, what: str, coordinate: str, old: Any | None, new: Any) -> None:
        """Deprecation added or withdrawn, its reason changed, sunset dates announced or moved.

        ``old`` is None for an element that is new: a new element born deprecated is reported too,
        as Inspector lists it.
        """
        old_reason = None if old is None else _reason(old)
        new_reason = _reason(new)
        if old_reason == new_reason:
            return
        new_sunset = sunset_in_text(new_reason)
        if kind == "ENUM_VALUE":
            self._enum_value(what, coordinate, old_reason, new_reason)
        elif old_reason is None:
            assert new_reason is not None
            sunset_note = f", sunset {new_sunset.isoformat()}" if new_sunset else ""
            text = f"{what} was deprecated{sunset_note} (reason: {new_reason!r})."
            where_old = None if old is None else coordinate
            self.add(f"{kind}_DEPRECATION_ADDED", INFO, text, where_old, coordinate, new_sunset, True)
        elif new_reason is None:
            self.add(f"{kind}_DEPRECATION_REMOVED", INFO, f"{what} is no longer deprecated.", coordinate, coordinate)
        else:
            self._reason_changed(kind, what, coordinate, old_reason, new_reason)
        if old_reason is not None and new_reason is not None:
            self._sunset_moved(what, coordinate, sunset_in_text(old_reason), new_sunset)

    def _enum_value(self, what: str, coordinate: str, old_reason: str | None, new_reason: str | None) -> None:
        new_sunset = sunset_in_text(new_reason)
        if old_reason is None:
            assert new_reason is not None
            sunset_note = f", sunset {new_sunset.isoformat()}" if new_sunset else ""
            text = f"{what} was deprecated{sunset_note} (reason: {new_reason!r})."
            self.add("ENUM_VALUE_DEPRECATION_REASON_ADDED", INFO, text, None, coordinate, new_sunset, True)
        elif new_reason is None:
            text = f"{what} is no longer deprecated."
            self.add("ENUM_VALUE_DEPRECATION_REASON_REMOVED", INFO, text, coordinate, coordinate)
        else:
            self._reason_changed("ENUM_VALUE", what, coordinate, old_reason, new_reason)

    def _reason_changed(self, kind: str, what: str, coordinate: str, old_reason: str, new_reason: str) -> None:
        """Still deprecated, for another reason: the reason given, changed or taken back (info)."""
        if _no_reason(old_reason):
            rule, text = "ADDED", f"{what} now gives its deprecation reason: {new_reason!r}."
        elif _no_reason(new_reason):
            rule, text = "REMOVED", f"{what} no longer gives a deprecation reason (was {old_reason!r})."
        else:
            rule, text = "CHANGED", f"{what} changed its deprecation reason from {old_reason!r} to {new_reason!r}."
        self.add(f"{kind}_DEPRECATION_REASON_{rule}", INFO, text, coordinate, coordinate, sunset_in_text(new_reason))

    def _sunset_moved(self, what: str, coordinate: str, old_sunset: dt.date | None, new_sunset: dt.date | None) -> None:
        if old_sunset == new_sunset:
            return
        if new_sunset is None:
            assert old_sunset is not None
            text = f"{what} no longer announces a sunset date (was {old_sunset.isoformat()})."
            self.add("SUNSET_REMOVED", INFO, text, coordinate, coordinate)
        elif old_sunset is None:
            text = f"{what} now announces its sunset for {new_sunset.isoformat()}."
            self.add("SUNSET_ADDED", INFO, text, coordinate, coordinate, new_sunset, True)
        elif new_sunset < old_sunset:
            text = (
                f"{what}'s sunset moved earlier, from {old_sunset.isoformat()} to {new_sunset.isoformat()}; "
                "clients have less time to migrate than they were promised."
            )
            self.add("SUNSET_MOVED_EARLIER", BREAKING, text, coordinate, coordinate, new_sunset, True)
        else:
            text = f"{what}'s sunset moved later, from {old_sunset.isoformat()} to {new_sunset.isoformat()}."
            self.add("SUNSET_MOVED_LATER", INFO, text, coordinate, coordinate, new_sunset)
