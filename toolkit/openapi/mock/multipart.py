"""multipart/form-data bodies (RFC 7578), read in time linear in their size.

The standard library's ``email`` parser reads a body line by line in Python (16 000 small parts:
4 s; 10 MB of short lines in one part: over 1 s) and has no bound on parts. Here the parts are
cut at its delimiters with one C-speed split bounded to ``max_multipart_parts`` + 2 pieces, counted
(over the limit: 413), and only each part's few header lines are parsed in Python.
"""

from __future__ import annotations

import binascii
import quopri
import re
from typing import Any

from toolkit.openapi.mock.reading import Refusal, read_json

_BOUNDARY = re.compile(r'boundary\s*=\s*(?:"([^"]*)"|([^;\s]+))', re.IGNORECASE)
# One parameter of a header value (``; name="a b"``, ``; filename*=utf-8''x``), found left to right in one
# pass: the email package's parameter parser recounts quotes from the start at every ';' (quadratic).
_PARAMETER = re.compile(r';\s*([A-Za-z0-9_*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))')
_QUOTED_PAIR = re.compile(r"\\(.)")


def read_multipart(
    content_type: str, raw: bytes, max_parts: int, max_nesting: int
) -> tuple[list[tuple[str, Any]], Refusal | None]:
    """The named parts of a multipart body as (name, value) pairs: text parts as text (JSON parts
    parsed), files and other parts as their bytes in latin-1 (so any byte is one character)."""
    found = _BOUNDARY.search(content_type)
    boundary = (found.group(1) or found.group(2)) if found else ""
    if not boundary:
        return [], Refusal("the multipart body has no boundary in its Content-Type")
    if len(boundary) > 70:  # RFC 2046 5.1.1
        return [], Refusal("the multipart boundary is longer than 70 characters")
    dash = b"--" + boundary.encode("latin-1", "replace")
    delimiter = b"\r\n" + dash
    # One split, bounded: at most max_parts + 2 pieces, enough to see a part over the limit. The first
    # delimiter may open the body without the CRLF that belongs to it: then the first piece is a part
    # (its delimiter line read like the others'), else it is the preamble (no copy of the body to prepend one).
    opens = raw.startswith(dash)
    pieces = raw.split(delimiter, max_parts + 1)
    sections: list[bytes] = []
    for index, section in enumerate(pieces):
        if index == 0 and not opens:
            continue  # the preamble
        if section.startswith(b"--", len(dash) if index == 0 else 0):
            break  # the closing delimiter; what follows is the epilogue
        sections.append(section)
    # counted after the split: a body without its closing delimiter has as many parts as delimiters
    if len(sections) > max_parts:
        return [], Refusal(f"the multipart body has more than {max_parts} parts (the limit max_multipart_parts)", 413)
    pairs: list[tuple[str, Any]] = []
    for section in sections:
        _, _, part = section.partition(b"\r\n")  # the rest of the delimiter line (transport padding)
        if part.startswith(b"\r\n"):
            head, data = b"", part[2:]
        else:
            head, _, data = part.partition(b"\r\n\r\n")
        headers = _headers(head)
        parameters = _parameters(headers.get("content-disposition", ""))
        name = parameters.get("name")
        if name is None:
            continue
        data = _transfer_decoded(data, headers.get("content-transfer-encoding", ""))
        content_type_of_part = headers.get("content-type", "text/plain").split(";", 1)[0].strip().lower()
        is_file = "filename" in parameters or "filename*" in parameters
        if not is_file and content_type_of_part in ("text/plain", "application/json"):
            if content_type_of_part == "application/json":
                value, refusal = read_json(data, max_nesting, f"the part {name!r}")
                if refusal is None:
                    pairs.append((name, value))
                    continue
            pairs.append((name, data.decode("utf-8", "replace")))  # decoded only when kept as text
        else:
            pairs.append((name, data.decode("latin-1")))
    return pairs, None


def _headers(head: bytes) -> dict[str, str]:
    """A part's header lines, names in lower case (field names may be UTF-8: RFC 7578 5.1)."""
    headers: dict[str, str] = {}
    for line in head.decode("utf-8", "replace").split("\r\n"):
        name, sep, value = line.partition(":")
        if sep:
            headers.setdefault(name.strip().lower(), value.strip())
    return headers


def _parameters(value: str) -> dict[str, str]:
    """The parameters of a Content-Disposition value, names in lower case, quoted values unquoted."""
    found: dict[str, str] = {}
    for match in _PARAMETER.finditer(value):
        quoted, bare = match.group(2), match.group(3)
        text = _QUOTED_PAIR.sub(r"\1", quoted) if quoted is not None else bare.strip()
        found.setdefault(match.group(1).lower(), text)
    return found


def _transfer_decoded(data: bytes, encoding: str) -> bytes:
    """RFC 7578 deprecates Content-Transfer-Encoding, but old clients still send base64 parts."""
    kind = encoding.strip().lower()
    try:
        if kind == "base64":
            return binascii.a2b_base64(data)
        if kind == "quoted-printable":
            return quopri.decodestring(data)
    except (binascii.Error, ValueError):
        return data
    return data
