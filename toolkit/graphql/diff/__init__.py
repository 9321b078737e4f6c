"""GraphQL drift: the changes between two versions of a schema, as they affect a client.

Entry point: ``compare.diff``.

- ``compare``: ``diff``: what changed between two versions of a GraphQL schema, as it affects a client; the
  ``unreachable-types-are-safe`` policy
- ``deprecation``: Removals and deprecations, judged the same way for fields, arguments, input fields and enum
  values; the ``deprecated-removal-is-dangerous`` policy
- ``directives``: Directives compared: removed or added (with a new one's members), arguments, repeatable, locations
- ``fields``: Fields, arguments and input fields compared: removed, added (with a new field's members), retyped,
  defaults, deprecations, directive usages
- ``found``: What a GraphQL rule records (``Found``), and the plumbing the rule modules share
- ``reach``: Which operations of a GraphQL schema can reach which named type
- ``rules``: The GraphQL comparison rules: one small function per construct, as graphql-core's own
- ``type_changes``: Type and default-value comparisons for the GraphQL diff rules, as graphql-core defines them
- ``usage``: Directive usages compared: a directive applied to, or taken off, any element (GraphQL Inspector's
  ``DIRECTIVE_USAGE_*``)
"""
