"""GraphQL: schemas from SDL files or an introspection result.

- ``load``: SDL or introspection JSON read into a ``GraphQLContract``
- ``lint``: the schema's own checks
- ``mock/``: the compiled GraphQL mock (``mock.handler.GraphQLMock``): GraphQL over HTTP, costs, resolvers
- ``diff/``: GraphQL drift, with graphql-core's and GraphQL Inspector's verdicts
"""
