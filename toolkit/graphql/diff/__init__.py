"""GraphQL drift: the changes between two versions of a schema, as they affect a client.

Entry point: ``compare.diff``.

- ``compare``: ``diff``: what changed between two versions of a GraphQL schema, as it affects a client
- ``deprecation``: Removals and deprecations, judged the same way for fields, arguments, input fields and enum
  values
- ``directives``: Directives compared: removed or added, arguments, repeatable, locations
- ``fields``: Fields, arguments and input fields compared: removed, added, retyped, defaults, deprecations
- ``found``: What a GraphQL rule records (``Found``), and the plumbing the rule modules share
- ``reach``: Which operations of a GraphQL schema can reach which named type
- ``rules``: The GraphQL comparison rules: one small function per construct, as graphql-core's own
- ``type_changes``: Type and default-value comparisons for the GraphQL diff rules, as graphql-core defines them
"""
