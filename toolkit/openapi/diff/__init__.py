"""OpenAPI drift: the changes between two versions of a contract, as they affect a client.

Entry point: ``compare.diff``.

- ``compare``: OpenAPI drift: the changes between two versions of a contract, as they affect a client
- ``document``: Document-wide changes: webhooks, security schemes and their OAuth flows, component schemas, servers
- ``emit``: Turning findings into ``Change``s: oasdiff ids, severities, messages and one row per operation
- ``endpoints``: Endpoints: added, removed (with or without deprecation, before or after ``x-sunset``), deprecated,
  reactivated, sunsets moved; and the operation's own attributes (operationId, tags, security,
  ``x-stability-level``)
- ``facts``: The vocabulary of schema comparison: the keywords compared, the rule suffixes they yield, ``Fact``
- ``keywords``: What one schema says compared with another, keyword by keyword, at a single level
- ``levels``: oasdiff's rule ids and their default levels, and how ctk maps them to a ChangeSeverity
- ``media``: Response media types that were renamed rather than removed: ``application/json`` →
  ``application/problem+json``
- ``nodes``: The two sides of an OpenAPI diff, viewed the same way whatever the spec version
- ``operations``: What changed inside one operation both versions have: parameters, request body, responses
- ``policy``: The rules of an OpenAPI diff that depend on a team's policy rather than on the two documents alone
- ``schemas``: Comparing two JSON schemas by meaning, in one direction (what a client sends, or receives)
"""
