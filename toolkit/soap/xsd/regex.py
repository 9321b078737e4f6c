"""XML Schema regular expressions in Python's dialect, to check values and to draw them.

XSD patterns differ from Python's: they are implicitly anchored, ``^`` and ``$`` are ordinary
characters, ``\\i``/``\\c`` name XML name characters, ``\\p{..}`` Unicode categories and blocks, and
classes allow subtraction (``[a-z-[aeiou]]``). The translation keeps the language exactly where
Python can say it and approximates the rest (categories as ASCII sets, subtraction dropped) for the
generator; the form RE2 matches keeps Unicode categories, blocks and ``\\w`` exact, and ``exact`` says
whether it is, so a checker knows when to trust a non-match.

A pattern is the contract's and the value may be the client's (an echo is checked before it is used),
so values are never matched with Python's backtracking ``re``: ``(a|a)*b`` takes seconds on 24
characters and doubles with each one more. They are matched with RE2, whose time is linear in the
value whatever the pattern; the Python form is only parsed by the generator (``regex_generator``),
which draws within its own bounds. A pattern RE2 refuses (a repetition over 1000) matches nothing
known: ``matches`` says None and libxml2, which checks every answer, has the last word.

``matches`` calls RE2's compiled program directly on the UTF-8 bytes (0.5 µs for an 18-character
value): the ``re2`` module's ``fullmatch`` wraps the same call in Python that maps every byte offset
back to characters, 3 µs per value, and the mock checks several values per answer. Without that
entry point (another google-re2 version) it falls back to ``fullmatch``; a test pins which is used.
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
# The Unicode general categories RE2 knows by name: a pattern using them is matched exactly, not approximated.
_RE2_CATEGORIES = frozenset(
    {"C", "Cc", "Cf", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn", "N", "Nd", "Nl", "No"}
    | {"P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm", "So", "Z", "Zl", "Zp", "Zs"}
)
# XSD's \w is every character outside the categories P, Z and C: exactly L, M, N and S, which RE2 can
# say inside a class too (a negated class cannot be nested in RE2).
_WORD = {"w": "\\p{L}\\p{M}\\p{N}\\p{S}", "W": "\\p{P}\\p{Z}\\p{C}"}
_NAME_START = "A-Za-z_:"
_NAME_CHAR = "\\-.0-9:A-Z_a-z"
_ESCAPES_OUTSIDE = {"i": f"[{_NAME_START}]", "I": f"[^{_NAME_START}]", "c": f"[{_NAME_CHAR}]", "C": f"[^{_NAME_CHAR}]"}
_ESCAPES_INSIDE = {"i": _NAME_START, "c": _NAME_CHAR}


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a pattern RE2 refuses is an answer (None), not a line on stderr
_RE2_OPTIONS.never_capture = True  # only whether it matches is asked
_NO_MATCH = (-1, -1)
_ANCHOR_BOTH: Any = getattr(getattr(re2, "_Anchor", None), "ANCHOR_BOTH", None)


def _program(compiled: Any) -> Any:
    """RE2's own compiled program behind a ``re2`` pattern (``Match(anchor, bytes, start, end)``), when
    this google-re2 exposes it; None otherwise (then ``fullmatch``, the same verdict, slower)."""
    program = getattr(compiled, "_regexp", None)
    if program is None or _ANCHOR_BOTH is None or not callable(getattr(program, "Match", None)):
        return None
    try:
        spans = program.Match(_ANCHOR_BOTH, b"", 0, 0)
        if not isinstance(spans, list) or not spans or not isinstance(spans[0], tuple):
            return None
    except Exception:  # noqa: BLE001 — an unknown binding: the public API instead
        return None
    return program


@dataclass(frozen=True, slots=True)
class XsdPattern:
    source: str  # as written in the schema
    python: str  # Python regex for the same language (or an approximation); for the generator only
    exact: bool
    compiled: Any  # an RE2 pattern (linear-time matching), or None when RE2 cannot compile it
    program: Any = None  # RE2's program behind ``compiled`` (see ``_program``), or None: use ``compiled``

    def matches(self, value: str) -> bool | None:
        """True/False when known, None when the approximation cannot tell."""
        if self.compiled is None:
            return None
        try:
            if self.program is not None:
                text = value.encode("utf-8")
                found = self.program.Match(_ANCHOR_BOTH, text, 0, len(text))[0] != _NO_MATCH
            else:
                found = self.compiled.fullmatch(value) is not None
        except (UnicodeError, re2.error):  # a lone surrogate cannot be UTF-8: no verdict
            return None
        if found:
            return True
        return False if self.exact else None

    def matches_utf8(self, text: bytes) -> bool | None:
        """``matches`` for a value given as its UTF-8 bytes (what a request holds): not encoded again."""
        if self.program is None:
            return self.matches(text.decode("utf-8"))
        try:
            found = self.program.Match(_ANCHOR_BOTH, text, 0, len(text))[0] != _NO_MATCH
        except re2.error:
            return None
        if found:
            return True
        return False if self.exact else None


def translate(pattern: str) -> XsdPattern:
    """Two translations: Python's (ASCII stand-ins for categories, for readable drawn values) and RE2's,
    which keeps Unicode categories and ``\\w`` exact, so a non-match by RE2 can be trusted."""
    python, _ = _translate(pattern)
    for_re2, exact = _translate(pattern, unicode=True)
    try:
        compiled = re2.compile(_re2_syntax(for_re2), _RE2_OPTIONS)
    except (re2.error, TypeError, ValueError, OverflowError):
        compiled = None
    return XsdPattern(pattern, python, exact, compiled, _program(compiled) if compiled is not None else None)


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


def _translate(pattern: str, *, unicode: bool = False) -> tuple[str, bool]:
    """``pattern`` in Python's syntax and whether it is exact; ``unicode``: for RE2, with categories, blocks
    and ``\\w``/``\\W`` exact, and ``.`` excluding ``\\r`` as XSD's does."""
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
                negate = code == "P"
                index = end + 1 if end > 0 else len(pattern)
                if unicode and name in _RE2_CATEGORIES:
                    out.append(f"\\{code}{{{name}}}")  # RE2 knows it, inside a class too
                    continue
                if unicode and name.startswith("Is") and name in _CATEGORIES and not (negate and depth):
                    ranges = _CATEGORIES[name]  # a block: its exact code point range
                    out.append(ranges if depth else f"[{'^' if negate else ''}{ranges}]")
                    continue
                ranges = _CATEGORIES.get(name, "A-Za-z0-9")
                exact = False
                if depth:
                    out.append(ranges if not negate else "")
                else:
                    out.append(f"[{'^' if negate else ''}{ranges}]" if ranges else "")
                continue
            if unicode and code in _WORD:
                out.append(_WORD[code] if depth else f"[{_WORD[code]}]")
                index += 2
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
        elif char == "." and not depth and unicode:
            out.append("[^\\n\\r]")  # XSD's . excludes carriage return too
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
