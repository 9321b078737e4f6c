"""XML Schema regular expressions in Python's dialect, to check values and to draw them.

XSD patterns differ from Python's: they are implicitly anchored, ``^`` and ``$`` are ordinary
characters, ``\\i``/``\\c`` name XML name characters, ``\\p{..}`` Unicode categories and blocks, and
classes allow subtraction (``[a-z-[aeiou]]``). The translation keeps the language exactly where
Python can say it and approximates the rest (categories as ASCII sets, subtraction dropped) —
``exact`` says which, so a checker knows when to trust a non-match.

A pattern is the contract's and the value may be the client's (an echo is checked before it is used),
so values are never matched with Python's backtracking ``re``: ``(a|a)*b`` takes seconds on 24
characters and doubles with each one more. They are matched with RE2, whose time is linear in the
value whatever the pattern; the Python form is only parsed by the generator (``regex_generator``),
which draws within its own bounds. A pattern RE2 refuses (a repetition over 1000) matches nothing
known: ``matches`` says None and libxml2, which checks every answer, has the last word.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import re2  # type: ignore[import-untyped]

# ASCII stand-ins for the Unicode categories and blocks XSD patterns use; enough to draw readable values.
_CATEGORIES = {
    "L": "A-Za-z", "Lu": "A-Z", "Ll": "a-z", "Lt": "A-Z", "Lm": "a-z", "Lo": "a-z", "N": "0-9", "Nd": "0-9",
    "Nl": "0-9", "No": "0-9", "P": "!-#%-*,-/:;?@\\[-\\]_{}", "Pd": "\\-", "Ps": "(\\[{", "Pe": ")\\]}",
    "Pc": "_", "Po": "!-#%-'*,./:;?@", "S": "$+<->^`|~", "Sm": "+<->|~", "Sc": "$", "Z": " ", "Zs": " ",
    "C": "\\x00-\\x1f", "Cc": "\\x00-\\x1f", "M": "", "IsBasicLatin": "\\x00-\\x7f",
    "IsLatin-1Supplement": "\\x80-\\xff", "IsLatinExtended-A": "\\u0100-\\u017f",
}  # fmt: skip
_NAME_START = "A-Za-z_:"
_NAME_CHAR = "\\-.0-9:A-Z_a-z"
_ESCAPES_OUTSIDE = {"i": f"[{_NAME_START}]", "I": f"[^{_NAME_START}]", "c": f"[{_NAME_CHAR}]", "C": f"[^{_NAME_CHAR}]"}
_ESCAPES_INSIDE = {"i": _NAME_START, "c": _NAME_CHAR}


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a pattern RE2 refuses is an answer (None), not a line on stderr
_RE2_OPTIONS.never_capture = True  # only whether it matches is asked


@dataclass(frozen=True, slots=True)
class XsdPattern:
    source: str  # as written in the schema
    python: str  # Python regex for the same language (or an approximation); for the generator only
    exact: bool
    compiled: Any  # an RE2 pattern (linear-time matching), or None when RE2 cannot compile it
    ascii_classes: bool = False  # uses \w/\W, which RE2 reads as ASCII: a non-ASCII value is not judged

    def matches(self, value: str) -> bool | None:
        """True/False when known, None when the approximation cannot tell."""
        if self.compiled is None or (self.ascii_classes and not value.isascii()):
            return None
        try:
            found = self.compiled.fullmatch(value)
        except (UnicodeError, re2.error):  # a lone surrogate cannot be UTF-8: no verdict
            return None
        if found is not None:
            return True
        return False if self.exact else None


def translate(pattern: str) -> XsdPattern:
    python, exact = _translate(pattern)
    try:
        compiled = re2.compile(_re2_syntax(python), _RE2_OPTIONS)
    except (re2.error, TypeError, ValueError, OverflowError):
        compiled = None
    return XsdPattern(pattern, python, exact, compiled, "\\w" in python or "\\W" in python)


def _re2_syntax(python: str) -> str:
    """The translated pattern in RE2's syntax: ``\\uXXXX`` as ``\\x{XXXX}``, and XSD's ``\\d`` (any Unicode
    decimal digit, as Python reads it) as ``\\p{Nd}`` (RE2's ``\\d`` is ASCII)."""
    out: list[str] = []
    index = 0
    while index < len(python):
        char = python[index]
        if char != "\\" or index + 1 >= len(python):
            out.append(char)
            index += 1
            continue
        code = python[index + 1]
        if code == "u" and len(python[index + 2 : index + 6]) == 4:
            out.append(f"\\x{{{python[index + 2 : index + 6]}}}")
            index += 6
            continue
        out.append({"d": "\\p{Nd}", "D": "\\P{Nd}"}.get(code, python[index : index + 2]))
        index += 2
    return "".join(out)


def _translate(pattern: str) -> tuple[str, bool]:
    out: list[str] = []
    exact = True
    depth = 0  # inside a character class (nested classes are subtractions)
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            code = pattern[index + 1]
            if code in "pP" and index + 2 < len(pattern) and pattern[index + 2] == "{":
                end = pattern.find("}", index)
                name = pattern[index + 3 : end] if end > 0 else ""
                ranges = _CATEGORIES.get(name, "A-Za-z0-9")
                exact = False
                negate = code == "P"
                if depth:
                    out.append(ranges if not negate else "")
                else:
                    out.append(f"[{'^' if negate else ''}{ranges}]" if ranges else "")
                index = end + 1 if end > 0 else len(pattern)
                continue
            if code in _ESCAPES_OUTSIDE:
                if depth:
                    out.append(_ESCAPES_INSIDE.get(code, ""))
                    exact = exact and code in _ESCAPES_INSIDE
                else:
                    out.append(_ESCAPES_OUTSIDE[code])
                index += 2
                continue
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if char == "[":
            if depth and out and out[-1] == "-":  # subtraction: [a-z-[aeiou]] → drop the subtracted class
                out.pop()
                end = _class_end(pattern, index)
                exact = False
                index = end + 1
                continue
            depth += 1
            out.append("[")
            if pattern[index + 1 : index + 2] == "^":
                out.append("^")
                index += 1
        elif char == "]" and depth:
            depth -= 1
            out.append("]")
        elif char in "^$" and not depth:
            out.append("\\" + char)  # anchors do not exist in XSD: literal characters
        elif char in "[&~|" and depth:
            out.append("\\" + char)  # set operations in Python's future syntax: literal in XSD
        else:
            out.append(char)
        index += 1
    return "".join(out), exact


def _class_end(pattern: str, start: int) -> int:
    depth = 0
    index = start
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return len(pattern) - 1
