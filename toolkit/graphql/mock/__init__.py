"""The GraphQL mock, compiled once per schema: one module per part of the request path.

Entry point: ``handler.GraphQLMock``.

- ``costs``: Depth and cost limits for the GraphQL mock, measured before validation and execution
- ``handler``: The GraphQL mock: a sans-IO function from ``Request`` to ``MockResult``, compiled once per schema
- ``introspection``: What an introspection answer will cost, counted on THIS schema's real list sizes before it is
  executed
- ``over_http``: GraphQL over HTTP (https://graphql.github.io/graphql-over-http/draft/): reading requests, shaping
  answers
- ``resolve``: The GraphQL mock's resolvers: every field's value made up from its type, its name and the request
- ``values``: Leaf values for the GraphQL mock: scalars and enums, chosen by type name and field name
"""
