"""Response media types that were renamed rather than removed: ``application/json`` → ``application/problem+json``.

oasdiff pairs a media type that disappeared with one that appeared when either name refines the other
(same type, and the same subtype with more suffixes, or a base subtype picked up as the last suffix),
parameters ignored. The pair is compared as one body, and the rename is graded: a more specific name
is safe for a client that accepted the old one (``…-specialized``), a more general one is not
(``…-generalized``), and a change of parameters (``charset``, ``version``) cannot be ordered
(``…-changed``). Only responses are paired: oasdiff has no rule for a renamed request media type, and
a client that sends the old name to a server that wants the new one does break.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class MediaName:
    type: str
    subtype: str
    suffixes: tuple[str, ...]
    parameters: frozenset[tuple[str, str]]


def parse_media(name: str) -> MediaName | None:
    """``type/subtype+suffix; key=value`` (type and keys lowercased, as Go's mime.ParseMediaType), or None."""
    head, *params = name.split(";")
    kind, slash, rest = head.strip().lower().partition("/")
    parts = [p.strip() for p in rest.split("+")]
    if not slash or not kind or not all(parts):
        return None
    pairs = set()
    for param in params:
        key, eq, value = param.partition("=")
        if not eq or not key.strip():
            return None
        pairs.add((key.strip().lower(), value.strip().strip('"')))
    return MediaName(kind, parts[0], tuple(parts[1:]), frozenset(pairs))


def contained(old: str, new: str) -> bool:
    """Whether ``new`` names a kind of ``old`` (a client that accepts ``old`` accepts ``new``)."""
    a, b = parse_media(old), parse_media(new)
    if a is None or b is None or a.type != b.type:
        return False
    if not a.suffixes and b.suffixes and b.suffixes[-1] == a.subtype:
        return True  # application/json contains application/problem+json
    return a.subtype == b.subtype and b.suffixes[: len(a.suffixes)] == a.suffixes


def pair_renamed(removed: list[str], added: list[str]) -> list[tuple[str, str]]:
    """(old, new) names to compare as one media type, in oasdiff's order: each added name takes the first
    removed one that either contains or is contained by it."""
    pairs: list[tuple[str, str]] = []
    taken: set[str] = set()
    for new in added:
        for old in removed:
            if old not in taken and (contained(old, new) or contained(new, old)):
                pairs.append((old, new))
                taken.add(old)
                break
    return pairs


def rename_rule(old: str, new: str) -> tuple[str, str]:
    """The rule for a paired rename and the words that explain it."""
    a, b = parse_media(old), parse_media(new)
    if a is not None and b is not None and a.parameters != b.parameters:
        return "response-media-type-name-changed", "its parameters changed"
    if contained(old, new):
        return "response-media-type-name-specialized", "the new name is more specific"
    return "response-media-type-name-generalized", "the new name is more general: clients may not handle it"
