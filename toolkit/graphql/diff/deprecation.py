"""Removals and deprecations, judged the same way for fields, arguments, input fields and enum values.

A removal is breaking unless the element was deprecated first, and deprecations carry the sunset
date the report shows; every construct's rules call these two, so the policy lives in one place.
"""

from __future__ import annotations

from typing import Any

from toolkit.graphql.diff.found import BREAKING, DANGEROUS, INFO, Recorder
from toolkit.sunset import sunset_in_text


class DeprecationRules(Recorder):
    """Removal and deprecation rules, shared by every construct."""

    def removed(self, rule: str, what: str, consequence: str, coordinate: str, old: Any) -> None:
        """A field, argument, input field or enum value removed: breaking, unless it was deprecated.

        A client was told to stop using a deprecated element, so its removal is the announced end
        of a deprecation: still worth a warning (dangerous), but not a surprise (breaking).
        """
        reason: str | None = old.deprecation_reason
        if reason is None:
            self.add(rule, BREAKING, f"{what}; {consequence}.", coordinate, None)
            return
        sunset = sunset_in_text(reason)
        if sunset is not None and self.today > sunset:
            note = f"after its sunset date {sunset.isoformat()}"
        elif sunset is not None:
            note = f"before its announced sunset date {sunset.isoformat()}"
        else:
            note = "after it was deprecated"
        text = f"{what} {note} (deprecation reason: {reason!r}); {consequence}."
        self.add(rule, DANGEROUS, text, coordinate, None, sunset)

    def deprecation(self, kind: str, what: str, coordinate: str, old: Any, new: Any) -> None:
        """Deprecation added or withdrawn, and sunset dates announced or moved."""
        old_reason: str | None = old.deprecation_reason
        new_reason: str | None = new.deprecation_reason
        if old_reason == new_reason:
            return
        new_sunset = sunset_in_text(new_reason)
        if old_reason is None:
            assert new_reason is not None
            sunset_note = f", sunset {new_sunset.isoformat()}" if new_sunset else ""
            self.add(
                f"{kind}_DEPRECATED",
                INFO,
                f"{what} was deprecated{sunset_note} (reason: {new_reason!r}).",
                coordinate,
                coordinate,
                new_sunset,
                True,
            )
            return
        if new_reason is None:
            self.add(f"{kind}_DEPRECATION_REMOVED", INFO, f"{what} is no longer deprecated.", coordinate, coordinate)
            return
        old_sunset = sunset_in_text(old_reason)
        if old_sunset == new_sunset:
            return  # only the wording of the reason changed
        if new_sunset is None:
            assert old_sunset is not None
            text = f"{what} no longer announces a sunset date (was {old_sunset.isoformat()})."
            self.add("SUNSET_REMOVED", INFO, text, coordinate, coordinate)
        elif old_sunset is None:
            text = f"{what} now announces its sunset for {new_sunset.isoformat()}."
            self.add("SUNSET_ADDED", INFO, text, coordinate, coordinate, new_sunset, True)
        elif new_sunset < old_sunset:
            text = f"{what}'s sunset moved earlier, from {old_sunset.isoformat()} to {new_sunset.isoformat()}."
            self.add("SUNSET_MOVED_EARLIER", DANGEROUS, text, coordinate, coordinate, new_sunset, True)
        else:
            text = f"{what}'s sunset moved later, from {old_sunset.isoformat()} to {new_sunset.isoformat()}."
            self.add("SUNSET_MOVED_LATER", INFO, text, coordinate, coordinate, new_sunset)
