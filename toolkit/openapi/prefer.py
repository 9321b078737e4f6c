"""The ``Prefer`` request header (RFC 7240) as Prism users know it: ``code=404, example=name, dynamic=true``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Preferences:
    code: int | None = None
    example: str | None = None
    dynamic: bool = False
    applied: tuple[str, ...] = ()  # for the Preference-Applied response header


_NONE = Preferences()


def parse_prefer(header: str | None) -> Preferences:
    if not header:
        return _NONE
    code: int | None = None
    example: str | None = None
    dynamic = False
    applied: list[str] = []
    for part in header.replace(";", ",").split(","):
        key, _, value = part.strip().partition("=")
        key = key.strip().lower()
        value = value.strip().strip('"')
        # three ASCII digits, checked before int(): "٣٠٠" is decimal to Python, and int() of a 5 000-digit
        # value raises (the integer-digit limit); neither is a status code
        if key == "code" and len(value) == 3 and value.isascii() and value.isdigit() and 200 <= int(value) <= 599:
            code = int(value)
            applied.append(f"code={code}")
        elif key == "example" and value:
            example = value
            applied.append(f"example={value}")
        elif key == "dynamic":
            dynamic = value.lower() in ("", "true", "1", "yes")
            applied.append(f"dynamic={'true' if dynamic else 'false'}")
    return Preferences(code, example, dynamic, tuple(applied))
