"""The ``overlays`` layer: what ``mocks/<api>/`` fixes about an API's answers, for all three protocols.

Read from the API's folder, ``mocks/<api>/`` (``ctk serve`` on a workspace; a bare contract has none):

- ``overlays.toml``: ``[[overlay]]`` tables, each a fixed answer and the conditions under which it is given;
- ``examples/**/<name>.json``: named examples, each the answer of one operation chosen per request by
  ``Prefer: example=<name>`` (and usable from an overlay: ``example = "<name>"``);
- ``hooks.py``: Python functions that see each answer of an operation and may replace it
  (``toolkit.sandbox.hooks``; loaded and run by ``hooks``).

Other files are left alone. Each protocol reads the entries its own way: ``rest`` (operation ids, paths,
query, headers, JSON bodies), ``soap`` (operation names, request element values, fixed elements or declared
faults), ``graphql`` (root fields, arguments, the field's value or an error); ``entries`` reads the files.
Everything is checked against the contract when the layer is built: one that does not fit is a
``ConfigError`` naming its file and line, so ``ctk serve`` (and ``--check``) exits 2 before serving.

An overlaid answer is asked of the envelope, not of the inner layers, so it has no side effect on ``state``;
hooks see the answer the request would otherwise get (state included), and what they return is checked
against the contract before it is sent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol as TypingProtocol

from toolkit.errors import ConfigError
from toolkit.exchange import MockResult
from toolkit.mock.envelope import MockEnvelope
from toolkit.model import Protocol
from toolkit.sandbox.layers import Call, Next
from toolkit.sandbox.overlays.entries import EXAMPLES, FILE_NAME, read_examples, read_overlays
from toolkit.sandbox.overlays.hooks import FILE_NAME as HOOKS_FILE
from toolkit.sandbox.overlays.hooks import Hooks, load_hooks

__all__ = ["EXAMPLES", "FILE_NAME", "HOOKS_FILE", "OverlaysLayer", "overlays_layer"]


class Responder(TypingProtocol):
    """One protocol's overlays, examples and hooks, compiled: what the layer asks per request."""

    @property
    def overlays(self) -> tuple[object, ...]: ...

    @property
    def hooks(self) -> Hooks: ...

    def __call__(self, call: Call, inner: Next) -> MockResult: ...


def overlays_layer(envelope: MockEnvelope, folder: Path, *, api: str) -> OverlaysLayer:
    """The ``overlays`` layer of one API: ``folder``'s overlays.toml, examples/ and hooks.py, read and checked."""
    overlays_file = folder / FILE_NAME
    entries = read_overlays(overlays_file) if overlays_file.exists() else []  # a FIFO or folder: refused there
    examples_folder = folder / EXAMPLES
    examples = read_examples(examples_folder) if examples_folder.is_dir() else []
    hooks_file = folder / HOOKS_FILE
    hooks = load_hooks(hooks_file) if hooks_file.is_file() else Hooks()
    protocol = envelope.contract.protocol
    responder: Responder
    if protocol is Protocol.OPENAPI:
        from toolkit.sandbox.overlays.rest import compile_rest

        responder = compile_rest(envelope, entries, examples, hooks)
    elif protocol is Protocol.SOAP:
        from toolkit.sandbox.overlays.soap import compile_soap

        responder = compile_soap(envelope, entries, examples, hooks)
    elif protocol is Protocol.GRAPHQL:
        from toolkit.sandbox.overlays.graphql import compile_graphql

        responder = compile_graphql(envelope, entries, examples, hooks)
    else:  # pragma: no cover -- a fourth protocol must say how its answers are fixed
        raise ConfigError(f"overlays are not available for {protocol.value} APIs", where=str(folder))
    return OverlaysLayer(envelope, responder, api=api)


class OverlaysLayer:
    """See the package's docstring. Thread-safe: nothing changes after load."""

    name = "overlays"

    def __init__(self, envelope: MockEnvelope, responder: Responder, *, api: str) -> None:
        self.envelope = envelope
        self.responder = responder
        self.api = api

    @property
    def overlays(self) -> tuple[object, ...]:
        return self.responder.overlays

    @property
    def hooks(self) -> Hooks:
        return self.responder.hooks

    def __call__(self, call: Call, inner: Next) -> MockResult:
        return self.responder(call, inner)
