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
    """The preferences of a ``Prefer`` value: for each one named more than once, its last value, listed once
    in ``applied`` (a header repeating ``dynamic`` 5 000 times is answered with one ``dynamic=true``)."""
    if not header:
        return _NONE
    code: int | None = None
    example: str | None = None
    dynamic = False
    applied: dict[str, str] = {}
    for part in header.replace(";", ",").split(","):
        key, _, value = part.strip().partition("=")
        key = key.strip().lower()
        value = value.strip().strip('"')
        # three ASCII digits, checked before int(): "٣٠٠" is decimal to Python, and int() of a 5 000-digit
        # value raises (the integer-digit limit); neither is a status code
        if key == "code" and len(value) == 3 and value.isascii() and value.isdigit() and 200 <= int(value) <= 599:
            code = int(value)
            applied["code"] = f"code={code}"
        elif key == "example" and value:
            example = value
            applied["example"] = f"example={value}"  # listed by the mock only if the response has it
        elif key == "dynamic":
            dynamic = value.lower() in ("", "true", "1", "yes")
            applied["dynamic"] = f"dynamic={'true' if dynamic else 'false'}"
    return Preferences(code, example, dynamic, tuple(applied.values()))
