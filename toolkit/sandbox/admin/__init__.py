"""The sandbox's operations: the object ``ctk serve`` runs, and what a team running it needs to see and steer.

- ``runtime``: ``Sandbox`` (a handler: answers ``/__ctk/...``, dispatches the rest by mount, records each
  answer) and ``ApiRuntime`` (one API: name, protocol, mount, layered handler, layers by name, store);
  ``Sandbox.replace_apis`` swaps the APIs at once (hot reload), the journal, metrics and store kept
- ``journal``: the bounded, thread-safe ring of the last requests (``Entry``, ``Filter``), secrets redacted
- ``near_misses``: for a request no operation matched, the nearest operations and why each did not match
- ``metrics``: the Prometheus counters, in a registry per ``Sandbox``
- ``access_log``: one JSON line per request (``ctk serve --access-log``)
- ``api`` (+ ``control``: scenarios and faults; ``state``: an API's collections): the admin router, described
  by ``openapi.json`` (served at ``GET /__ctk/openapi.json``)
- ``dashboard`` (+ ``static/``): the page at ``GET /__ctk/``

Departures from the shared design (issue 13), all additive: ``GET /__ctk/requests/unmatched/near-misses``
answers ``{"near_misses": [{"id", "method", "path", "api", "near_misses": [...]}], "total"}``;
``DELETE /__ctk/requests`` answers ``{"deleted": n}``; ``POST /__ctk/reset`` answers
``{"reset": [api names], "session", "cleared", "journal_cleared"}``; ``PUT /__ctk/scenarios/{api}`` answers
``{"api", "session", "active"}``, ``POST /__ctk/scenarios/reset`` ``{"apis", "sessions", "restarted"}``;
``PUT``/``DELETE /__ctk/faults/{api}`` answer ``{"api", "faults"}``; ``GET /__ctk/state/{api}/{collection}``
answers ``{"items", "total"}``, its ``POST`` 201 ``{"added": [ids]}``; a recording's ``entries`` is null when
the file is not HAR JSON. An API's name in the admin API is its workspace name, else (a contract served alone)
its mount, else ``/``.
"""
