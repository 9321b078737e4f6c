"""The sandbox: a workspace's APIs served together, as ``ctk serve`` runs them, behaving like the vendor.

It sits above the protocols: it loads each API's contract (``toolkit.load``), compiles its mock
through the protocol table (``toolkit.protocols.compile_mock``), wraps it in the layers its settings
turn on, and mounts the APIs side by side behind one dispatcher with the shared ``/__ctk`` admin
endpoints. The journal and recording will be layers here too.

- ``server``: ``ServeConfig`` (what ``--workers`` processes rebuild from), the multi-API ``Dispatcher``,
  ``build_handler``/``build_app``/``app_factory``
- ``layers``: the layer stack in one fixed order (``ORDER``), ``SandboxedMock``, ``Call`` (request, session,
  the operation routed once), sessions (``X-Ctk-Session``)
- ``store``, ``stores/``: the ``Store`` interface and its backends (memory, SQLite, Redis)
- the layers, outermost first: ``sunset`` (410 past a sunset), ``oauth2`` (+ ``oauth2_config``, ``oauth2_contract``,
  ``oauth2_tokens``, ``oauth2_protect``: token, revocation and introspection endpoints; bearer tokens and
  scopes, for REST, SOAP and GraphQL), ``rate_limit`` (+ ``rate_limit_config``: 429 per credential),
  ``faults`` (+ ``faults_config``: latency, errors, broken connections), ``scenarios`` (+ ``scenarios_config``:
  named states and sequences), ``overlays/`` (fixed answers, named examples and hooks from ``mocks/<api>/``;
  ``hooks``: the API hooks.py imports), ``state/`` (resources per protocol)
- ``mocks_files``: the one reader of ``mocks/<api>/`` files (regular, at most 16 MiB, UTF-8)
- ``field_errors``: a GraphQL answer with one field failed and the rest kept (faults, scenarios)
- ``reasking``: how a layer asks the inner layers for the contract's own answer (``Prefer: code=N``)
"""
