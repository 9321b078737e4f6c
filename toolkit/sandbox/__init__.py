"""The sandbox: a workspace's APIs served together, as ``ctk serve`` runs them.

It sits above the protocols: it loads each API's contract (``toolkit.load``), compiles its mock
through the protocol table (``toolkit.protocols.compile_mock``), and mounts the envelopes side by
side behind one dispatcher with the shared ``/__ctk`` admin endpoints. The sandbox's behaviours
(state, scenarios, faults, rate limits, tokens, the journal, recording) will live here, each a
layer around the neutral ``MockEnvelope``.

- ``server``: ``ServeConfig`` (what ``--workers`` processes rebuild from), the multi-API ``Dispatcher``,
  ``build_handler``/``build_app``/``app_factory``
"""
