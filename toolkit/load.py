"""``load_contract``: one entry point for every contract, whatever its protocol.

The protocol is read from the content, never from the file name: vendors publish OpenAPI as
``.txt``, WSDL as ``?wsdl`` URLs and introspection results as ``.json``. Sniffing looks at the
first bytes only; the protocol folder then parses the document properly.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

from toolkit.errors import LoadError, ParseError, SourceError, UnknownFormatError
from toolkit.limits import Limits
from toolkit.model import Contract
from toolkit.sources import Source, SourceReader, display_name, is_url

Kind = Literal["xml", "json", "yaml", "sdl"]
PathLike = str | os.PathLike[str]

_OPENAPI_KEY = re.compile(r"""^\s*["']?(openapi|swagger)["']?\s*:""", re.MULTILINE)
_ASYNCAPI_KEY = re.compile(r"""^\s*["']?asyncapi["']?\s*:""", re.MULTILINE)
# A definition keyword followed by a name, at the start of a line: YAML's "type: string" never matches.
_SDL_DEFINITION = (
    r"(extend\s+)?(type|interface|union|enum|input|scalar)\s+[_A-Za-z]|(extend\s+)?schema\s*[@{]|directive\s+@"
)
_SDL_START = re.compile(rf"^(?:{_SDL_DEFINITION})|^\s*\"\"\"", re.MULTILINE)
# SDL pasted from code is often indented; tried last, since YAML prose can hold "  type Foo" too.
_SDL_INDENTED = re.compile(rf"\A(?:\s*(?:#[^\n]*)?\n)*[ \t]*(?:{_SDL_DEFINITION})")
# The first line that is not blank or a comment is "key: ..." or "- ...": a YAML document.
_YAML_START = re.compile(r"\A(?:\s*(?:#[^\n]*)?\n)*(?:---\s*\n)?[^\s#:][^\n]*?:(?:\s|$)|\A\s*-\s")
_HEAD = 65536
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_VERSION_FOLDER = re.compile(r"^v?\d+(\.\d+)*$")
_SUPPORTED = "ctk reads OpenAPI 2.0/3.0/3.1 (JSON or YAML), WSDL 1.1, and GraphQL SDL or introspection JSON"


def load_contract(
    source: PathLike | Sequence[PathLike],
    *,
    mirrors: Mapping[str, PathLike] | None = None,
    reader: SourceReader | None = None,
    limits: Limits | None = None,
    for_lint: bool = False,
) -> Contract:
    """Load a contract from a path, a folder, an http(s) URL, or several GraphQL SDL files.

    ``mirrors`` maps URLs (or URL prefixes ending in "/") that the contract refers to onto local
    files or folders, so a contract saved from a server loads offline. ``limits`` bounds the work
    (``fetch_timeout``, ``max_expanded_nodes``; default: DEFAULT_LIMITS with the CTK_* environment
    variables applied); a given ``reader`` carries its own. ``for_lint``: a reference that leads nowhere is
    one of the problems the protocol's lint reports, with its place, instead of refusing the contract (a mock
    or a diff needs every reference, so they load without it).
    Raises a ``LoadError`` naming the file and place when the contract cannot be loaded.
    """
    if isinstance(source, (str, os.PathLike)):
        locations = [os.fspath(source)]
    else:
        locations = [os.fspath(item) for item in source]
        if not locations:
            raise SourceError("no contract files given")
    network = all(is_url(location) for location in locations)
    local_mirrors = {url: os.fspath(path) for url, path in (mirrors or {}).items()}
    reader = reader or SourceReader(allow_network=network, mirrors=local_mirrors, limits=limits)
    if for_lint:
        reader.dangling_references_are_findings = True
    uris = [location if is_url(location) else os.path.abspath(location) for location in locations]
    try:
        if len(uris) == 1 and not is_url(uris[0]) and os.path.isdir(uris[0]):
            return _load_folder(uris[0], reader)
        sources = [reader.read(uri) for uri in uris]
        if len(sources) > 1:
            return _load_sdl_files(sources, title=Path(uris[0]).stem)
        return _load_one(sources[0], reader)
    except RecursionError:
        raise ParseError("is nested too deeply to load", where=display_name(uris[0])) from None


def sniff(source: Source) -> Kind:
    """What kind of document ``source`` is, from its first bytes."""
    head = source.data[:_HEAD]
    bom = next((mark for mark in _BOMS if head.startswith(mark)), b"")
    # UTF-16 puts a NUL beside every ASCII character: strip those with the whitespace to see the "<"
    if head[len(bom) :].lstrip(b" \t\r\n\x00").startswith(b"<"):
        return "xml"
    text = source.text()[:_HEAD] if bom in _BOMS[1:] else head[len(bom) :].decode("utf-8", errors="replace")
    if text.lstrip()[:1] in ("{", "["):
        return "json"
    if _ASYNCAPI_KEY.search(text):
        raise UnknownFormatError("is an AsyncAPI document, which ctk does not read", where=source.name, hint=_SUPPORTED)
    if _OPENAPI_KEY.search(text) or (_YAML_START.match(text) and not _SDL_START.search(text)):
        return "yaml"  # an OpenAPI key may sit far down (Stripe's comes after 1.5 MB of components)
    if _SDL_START.search(text) or _SDL_INDENTED.match(text):
        return "sdl"
    raise UnknownFormatError("is not a contract ctk recognises", where=source.name, hint=_SUPPORTED)


def _load_one(source: Source, reader: SourceReader) -> Contract:
    """The contract ``source`` holds: the protocol table says which protocol reads each kind of document."""
    from toolkit import protocols
    from toolkit.documents import parse_json, parse_yaml

    kind = sniff(source)
    if kind == "xml":
        (reads_xml,) = protocols.providers("load_xml")
        return protocols.load_xml(reads_xml)(source, reader)
    if kind == "sdl":
        return _load_sdl_files([source], title=Path(source.uri).stem)
    text = source.text()
    data = parse_json(source, text) if kind == "json" else parse_yaml(source, text)
    reader.charge_nodes(source, text, data)  # before anything walks it: an alias bomb stops here
    for protocol in protocols.providers("load_data"):  # OpenAPI first: the common case imports nothing else
        contract = protocols.load_data(protocol)(source, text, data, reader)
        if contract is not None:
            return contract
    raise UnknownFormatError(
        "is JSON or YAML but neither an OpenAPI document (no openapi or swagger key) "
        "nor a GraphQL introspection result (no __schema)",
        where=source.name,
        hint=_SUPPORTED,
    )


def _load_sdl_files(sources: Sequence[Source], title: str) -> Contract:
    for source in sources:
        if sniff(source) != "sdl":
            raise UnknownFormatError(
                "is not GraphQL SDL; only GraphQL schemas can be loaded from several files at once",
                where=source.name,
                hint="load other contracts by their root file",
            )
    from toolkit import protocols

    (reads_sdl,) = protocols.providers("load_sdl")
    return protocols.load_sdl(reads_sdl)(sources, title)


_ROOT_HINTS = {
    "openapi": re.compile(rb"""(^|\n|\{)\s*["']?(openapi|swagger)["']?\s*:"""),
    "wsdl": re.compile(rb"<([A-Za-z_][\w.-]*:)?definitions[\s>]"),
    "introspection": re.compile(rb'"__schema"\s*:'),
}


# Inside a folder, only files named like contracts are considered (a README is never a contract);
# a file named explicitly is read whatever its name.
_CONTRACT_SUFFIXES = frozenset({".json", ".yaml", ".yml", ".wsdl", ".xml", ".graphql", ".graphqls", ".gql", ".sdl"})


def _load_folder(folder: str, reader: SourceReader) -> Contract:
    """A folder holds one contract: one OpenAPI/WSDL/introspection root, or GraphQL SDL files."""
    roots: list[Source] = []
    sdl: list[Source] = []
    for entry in sorted(os.scandir(folder), key=lambda entry: entry.name):
        if (
            entry.name.startswith(".")
            or not entry.is_file()
            or Path(entry.name).suffix.lower() not in _CONTRACT_SUFFIXES
        ):
            continue
        try:
            source = reader.read(entry.path)
            kind = sniff(source)
        except LoadError:
            continue  # not a contract file (a README, an image): the folder may still hold one
        if kind == "sdl":
            sdl.append(source)
        elif any(pattern.search(source.data) for pattern in _ROOT_HINTS.values()):
            roots.append(source)
    name = display_name(folder)
    if (roots and sdl) or len(roots) > 1:
        found = ", ".join(Path(source.uri).name for source in (*roots, *sdl))
        raise LoadError(
            f"holds several contracts ({found})", where=name, hint="name the root file of the contract to load"
        )
    if roots:
        return _load_one(roots[0], reader)
    if sdl:
        contract = _load_sdl_files(sdl, title=Path(folder).name)
        if _VERSION_FOLDER.match(Path(folder).name):  # contracts/<api>/<version>/: name it after the API
            contract.title, contract.version = Path(folder).parent.name, Path(folder).name
        return contract
    raise SourceError("holds no contract file", where=name, hint=_SUPPORTED)
