"""OpenAPI: Swagger 2.0 and OpenAPI 3.0/3.1 contracts.

- ``load``: an OpenAPI document (one or many files) read into an ``OpenAPIContract``
- ``refs``: JSON references across files, resolved lazily and checked once
- ``jsonschema``: schemas compiled into fast validators (jsonschema_rs), once per schema node
- ``coerce``: typing string values (form fields, query values) by their schema
- ``lint``, ``lint_generation``: the document's own checks, and the schemas the mock cannot answer within its limits
- ``generate/``: valid, realistic values for schemas (what the mock answers with)
- ``mock/``: the compiled OpenAPI mock (``mock.handler.OpenAPIMock``), one module per part of the request path
- ``diff/``: OpenAPI drift, with oasdiff's rule ids
"""
