"""The sandbox: a workspace's APIs served together, as ``ctk serve`` runs them, behaving like the vendor.

It sits above the protocols: it loads each API's contract (``toolkit.load``), compiles its mock
through the protocol table (``toolkit.protocols.compile_mock``), wraps it in the layers its settings
turn on, and runs them side by side in one ``admin.runtime.Sandbox``: the ``/__ctk`` admin API and dashboard,
the request journal, metrics and access log, hot reload, and record/replay.

- ``server``: ``ServeConfig`` (what ``--workers`` processes rebuild from), ``build_apis`` (each API's
  ``ApiRuntime``), ``build_handler`` (the ``Sandbox``)/``build_app``/``app_factory``; ``Dispatcher`` only for
  envelopes mounted by hand
- ``admin/``: ``Sandbox`` and ``ApiRuntime`` (``runtime``), the journal, near misses, metrics, access log, the
  admin router and its OpenAPI document, the dashboard (``dashboard`` + ``static/``)
- ``reload/``: hot reload (a polling watcher thread, only changed APIs rebuilt, state kept unless its schema changed)
- ``recording/``: ``ctk record`` (the recording proxy), redaction, HAR files, contract checks, the ``replay``
  layer, ``ctk recordings audit``
- ``layers``: the layer stack in one fixed order (``ORDER``), ``SandboxedMock``, ``Call`` (request, session,
  the operation routed once), sessions (``X-Ctk-Session``)
- ``store``, ``stores/``: the ``Store`` interface and its backends (memory, SQLite, Redis)
- the layers, outermost first: ``sunset`` (410 past a sunset), ``oauth2`` (+ ``oauth2_config``, ``oauth2_contract``,
  ``oauth2_tokens``, ``oauth2_protect``: token, revocation and introspection endpoints; bearer tokens and
  scopes, for REST, SOAP and GraphQL), ``rate_limit`` (+ ``rate_limit_config``: 429 per credential),
  ``faults`` (+ ``faults_config``: latency, errors, broken connections), ``scenarios`` (+ ``scenarios_config``:
  named states and sequences), ``overlays/`` (fixed answers, named examples and hooks from ``mocks/<api>/``;
  ``hooks``: the API hooks.py imports), ``replay`` (``recording/replay``: recorded answers), ``state/``
  (resources per protocol)
- ``mocks_files``: the one reader of ``mocks/<api>/`` files (regular, at most 16 MiB, UTF-8)
- ``field_errors``: a GraphQL answer with one field failed and the rest kept (faults, scenarios)
- ``reasking``: how a layer asks the inner layers for the contract's own answer (``Prefer: code=N``)
"""
