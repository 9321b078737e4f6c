"""``ctk_mock``: a contract-backed mock of one API for one test, in-process, with no socket.

``ctk_mock("payments")`` (or a contract's path) gives an ``ApiMock``: the API's compiled sandbox (the same
``build_handler`` ``ctk serve`` runs) reached through a handler that puts the test's session on every request
and records what was asked and answered. httpx clients reach it through respx at the contract's own URL (when
respx is installed), or through ``httpx_transport()``; zeep clients through ``zeep_transport()``. The test
shapes it with ``respond`` (a stub, checked against the contract when it is defined), ``scenario``, ``fault``
and ``seed``; everything it changes in the shared sandbox is undone when the test ends.
"""

from __future__ import annotations

import inspect
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from toolkit.errors import ConfigError, CtkError
from toolkit.exchange import MockResult, Request
from toolkit.pytest_plugin.admin import CtkSetupError, admin
from toolkit.pytest_plugin.calls import Call
from toolkit.pytest_plugin.contracts import Compiled, compiled
from toolkit.pytest_plugin.run import Stub, TestRun
from toolkit.sandbox.admin.journal import redact_query, safe_violations
from toolkit.sandbox.overlays.entries import Entry

if TYPE_CHECKING:
    from toolkit.mock.transport import MockTransport
    from toolkit.soap.mock.zeep_transport import MockZeepTransport

__all__ = ["ApiMock", "MockFactory"]

_SESSION = "x-ctk-session"
_UNSET: Any = object()


class MockFactory:
    """The ``ctk_mock`` fixture: call it with an API's name or a contract's path. With
    ``@pytest.mark.ctk(api=NAME)`` the fixture is that API's mock too (``ctk_mock.url``, ``ctk_mock.respond``)."""

    def __init__(self, run: TestRun) -> None:
        self._run = run

    def __call__(self, api: str | Path) -> ApiMock:
        __tracebackhide__ = True
        run = self._run
        key = str(api)
        found = run.mocks.get(key)
        if found is None:
            try:
                made = compiled(api, run.settings.root, run.settings.seed)
            except CtkError as error:  # an unknown API, a contract that does not load
                raise CtkSetupError(_config_message(error)) from None
            found = run.mocks[key] = ApiMock(made, run)
            run.mocks.setdefault(made.key, found)
            run.operations[made.key] = made.operations
            found.start()
        return found

    def __getattr__(self, name: str) -> Any:
        api = self._run.settings.api
        if api is None or name.startswith("_"):
            raise AttributeError(
                f"ctk_mock has no attribute {name!r}: call ctk_mock('<api>') for an API's mock, or name one with "
                "@pytest.mark.ctk(api=...)"
            )
        return getattr(self(api), name)


@dataclass(frozen=True)
class _StubEntry(Entry):
    """A stub's keys as an overlay entry; a misfit's place is the key path inside it (``json/amount``)."""

    def at(self, pointer: str) -> str:
        return f"{self.where} at {pointer.lstrip('/')}" if pointer else self.where


class ApiMock:
    """See the module's docstring."""

    def __init__(self, made: Compiled, run: TestRun) -> None:
        self._made = made
        self._run = run
        self._stubs: list[_StubEntry] = []
        self._handler_before: Any = None

    # -- what the test reads -----------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL the code under test uses (the contract's own: see ``toolkit.pytest_plugin.contracts``)."""
        return self._made.url

    @property
    def wsdl(self) -> str:
        """SOAP: the WSDL's URL (``url?wsdl``), for ``zeep.Client(ctk_mock.wsdl, transport=...)``."""
        return self._made.url + "?wsdl"

    @property
    def api(self) -> str:
        return self._made.key

    @property
    def protocol(self) -> str:
        return self._made.protocol

    @property
    def session(self) -> str:
        return self._run.session

    @property
    def operations(self) -> tuple[str, ...]:
        return self._made.operations

    # -- how clients reach it ----------------------------------------------------------------------

    def __call__(self, request: Request) -> MockResult:
        """Answer ``request`` as the sandbox does, in this test's session, and record it."""
        if not any(name == _SESSION for name, _ in request.headers):
            request = replace(request, headers=(*request.headers, (_SESSION, self._run.session)))
        made = self._made
        result = made.sandbox(request)
        unmatched: bool = False
        near: Any = ()
        if not result.operations and (result.response.status >= 400 or made.protocol == "graphql"):
            unmatched, near = made.runtime.near_misses(request, result)  # as the sandbox's journal judges it
        # what a failure message may show is what the journal shows: secret-like query values and violation
        # messages about credentials are redacted (the headers and body stay the test's, for its assertions)
        secrets = made.runtime.secret_parameters
        self._run.calls.append(
            Call(
                api=made.key, method=request.method, path=request.path, query=redact_query(request.query, secrets),
                status=result.response.status, operations=result.operations,
                violations=safe_violations(result.violations, secrets),
                faults=result.injected, unmatched=unmatched, near=near, at=time.time(), headers=request.headers,
                body=request.body, response_headers=result.response.headers, response_body=result.response.body,
            )
        )  # fmt: skip
        return result

    def error_response(self, request: Request, status: int, message: str) -> Any:
        return self._made.sandbox.error_response(request, status, message)

    def httpx_transport(self) -> MockTransport:
        """An httpx transport (sync and async) answering from this mock: ``httpx.Client(transport=...)``."""
        from toolkit.mock.transport import MockTransport

        return MockTransport(self)

    def zeep_transport(self) -> MockZeepTransport:
        """A zeep transport answering from this mock: ``zeep.Client(ctk_mock.wsdl, transport=...)``."""
        from toolkit.soap.mock.zeep_transport import MockZeepTransport

        parts = urlsplit(self._made.url)
        return MockZeepTransport(self, f"{parts.scheme}://{parts.netloc}")

    def start(self) -> None:
        """Route the mock's URL for httpx clients through respx (when installed), and apply the test's marker."""
        run = self._run
        self._route()
        settings = run.settings
        if settings.api is not None and settings.api in (self._made.key, self._made.name):
            if settings.scenario:
                self.scenario(settings.scenario)
            if settings.faults:
                self.fault(settings.faults)

    def _route(self) -> None:
        try:
            import respx
        except ImportError:  # respx is optional: httpx_transport() works without it
            return
        from toolkit.mock.transport import MockTransport

        run = self._run
        if run.router is None:
            # every request an httpx client sends must reach a mock (assert_all_mocked), except loopback ones:
            # a live sandbox (ctk_sandbox) or the test's own servers
            router = respx.mock(assert_all_mocked=True, assert_all_called=False)
            router.route(host="127.0.0.1").pass_through()
            router.route(host="localhost").pass_through()
            router.start()
            run.router = router
            run.undo.append(router.stop)
        transport = MockTransport(self)
        run.router.route(url__startswith=self._made.url).mock(side_effect=transport.answer)

    # -- how the test shapes it --------------------------------------------------------------------

    def scenario(self, name: str | None) -> None:
        """Play the API's scenario ``name`` (sandbox.toml's ``[apis.NAME.scenarios.<name>]``) in this test."""
        __tracebackhide__ = True
        admin(self._made.sandbox, "PUT", f"scenarios/{self._made.name}", {"scenario": name, "session": self.session},
              doing=f"ctk_mock({self.api!r}).scenario({name!r})")  # fmt: skip

    def fault(self, table: dict[str, Any] | None = None, **keys: Any) -> None:
        """Inject faults for the rest of this test: a ``[apis.NAME.faults]`` table (``error_rate=1.0,
        error_status=503``, ``latency={"fixed_ms": 200}``, ``connection={"reset": 1.0}``, ``fail_first=2``...)."""
        __tracebackhide__ = True
        faults = {**(table or {}), **keys}
        made = self._made
        with made.lock:
            admin(made.sandbox, "PUT", f"faults/{made.name}", faults, doing=f"ctk_mock({self.api!r}).fault({faults!r})")
        self._run.undo.append(self._restore_faults)

    def _restore_faults(self) -> None:
        from toolkit.sandbox.admin.control import restore_faults

        restore_faults(self._made.runtime)

    def seed(self, collection: str, items: list[Any] | dict[str, Any]) -> None:
        """Add ``items`` to ``collection`` (REST: ``customers``; SOAP: ``Account``; GraphQL: ``Product``) for this
        test, checked as a seed file's items are."""
        __tracebackhide__ = True
        admin(self._made.sandbox, "POST", f"state/{self._made.name}/{collection}", items, f"session={self.session}",
              doing=f"ctk_mock({self.api!r}).seed({collection!r}, ...)")  # fmt: skip

    def respond(
        self, operation: str, *, example: str | None = None, json: Any = _UNSET, status: int | None = None, **keys: Any
    ) -> None:
        """Answer ``operation`` with a fixed answer for the rest of this test, checked against the contract now: a
        stub the contract does not allow raises ``CtkSetupError`` saying why, here.

        REST: ``json=`` (the body), ``status=``, or ``example=`` (a named example of ``mocks/<api>/examples/``);
        conditions ``query=``, ``headers=``, ``body=``. SOAP: ``json=`` (the answer's values by element name),
        ``xml=`` or ``fault=``; condition ``body=``. GraphQL (``Query.product``): ``json=`` (the field's value) or
        ``error=`` (with ``code=``); condition ``args=``. These are the keys of an ``[[overlay]]`` table."""
        __tracebackhide__ = True
        caller = inspect.stack(context=0)[1]
        where = f"{Path(caller.filename).name}:{caller.lineno}"
        fields: dict[str, Any] = {"operation": operation, **keys}
        if example is not None:
            fields["example"] = example
        if json is not _UNSET:
            fields["answer" if self.protocol == "soap" else "json"] = json
        if status is not None:
            fields["status"] = status
        entry = _StubEntry(fields, where, Path(self._made.item.overlays or "."))
        doing = f"ctk_mock({self.api!r}).respond({operation!r}, ...) at {where}"
        layered = self._layered([*self._stubs, entry], doing)
        runtime = self._made.runtime
        if self._handler_before is None:
            self._handler_before = runtime.handler
            self._run.undo.append(self._unstub)
        runtime.handler = layered
        self._stubs.append(entry)
        self._run.stubs.append(Stub(self.api, operation, where))

    def _unstub(self) -> None:
        self._made.runtime.handler = self._handler_before
        self._handler_before = None
        self._stubs.clear()

    def _layered(self, stubs: list[_StubEntry], doing: str) -> Any:
        """The API's layers with an overlays layer holding ``stubs`` first, then ``mocks/<api>/``'s own."""
        __tracebackhide__ = True
        from toolkit.sandbox.layers import SandboxedMock
        from toolkit.sandbox.overlays import EXAMPLES, FILE_NAME, OverlaysLayer
        from toolkit.sandbox.overlays.entries import read_examples, read_overlays
        from toolkit.sandbox.overlays.hooks import Hooks

        runtime = self._made.runtime
        current = self._handler_before if self._handler_before is not None else runtime.handler
        envelope = runtime.envelope
        layers = list(current.layers) if isinstance(current, SandboxedMock) else []
        existing = next((layer for layer in layers if layer.name == "overlays"), None)
        folder = Path(self._made.item.overlays) if self._made.item.overlays else None
        try:
            entries: list[Entry] = list(stubs)
            examples = []
            if folder is not None and (folder / FILE_NAME).is_file():
                entries.extend(read_overlays(folder / FILE_NAME))
            if folder is not None and (folder / EXAMPLES).is_dir():
                examples = read_examples(folder / EXAMPLES)
            hooks = existing.hooks if isinstance(existing, OverlaysLayer) else Hooks()
            responder = _compile(envelope, entries, examples, hooks)
        except ConfigError as error:
            raise CtkSetupError(f"{doing} does not fit the contract: {_config_message(error)}") from None
        layer = OverlaysLayer(envelope, responder, api=self._made.name)
        return SandboxedMock(envelope, [*(item for item in layers if item.name != "overlays"), layer])


def _compile(envelope: Any, entries: list[Entry], examples: list[Any], hooks: Any) -> Any:
    protocol = envelope.contract.protocol.value
    if protocol == "openapi":
        from toolkit.sandbox.overlays.rest import compile_rest

        return compile_rest(envelope, entries, examples, hooks)
    if protocol == "soap":
        from toolkit.sandbox.overlays.soap import compile_soap

        return compile_soap(envelope, entries, examples, hooks)
    from toolkit.sandbox.overlays.graphql import compile_graphql

    return compile_graphql(envelope, entries, examples, hooks)


def _config_message(error: CtkError) -> str:
    message = error.message
    if error.where:
        message += f" ({error.where})"
    if error.hint:
        message += f"\n  hint: {error.hint}"
    return message
