"""The OpenAPI mock, compiled once per contract: one module per part of the request path.

Entry point: ``handler.OpenAPIMock``.

- ``answers``: What an answer takes from its request: the seed, echoes, examples that fit, list sizes, media types
- ``bodies``: Request bodies: media-type negotiation and decoding of JSON, form-urlencoded, multipart and XML
  (``xml_bodies``) bodies
- ``callbacks``: OpenAPI 3 ``callbacks``: after an operation, the mock calls the URL the request named
- ``events``: Events the mock sends on its own: webhooks (3.1 ``webhooks``) and callbacks, with every required
  header and, when a secret is configured, a signature
- ``handler``: The OpenAPI mock: a sans-IO function from ``Request`` to ``MockResult``, compiled once per contract
- ``multipart``: multipart/form-data bodies (RFC 7578), read in time linear in their size
- ``operations``: Compiling one operation of an OpenAPI document into what the mock's request path needs
- ``parameters``: Request parameters: compiled once per operation, decoded and validated per request
- ``prefer``: The ``Prefer`` request header (RFC 7240) as Prism users know it: ``code=404, example=name,
  dynamic=true``
- ``reading``: Reading a request's JSON and form text within the limits, in time linear in its size
- ``responses``: Responses: which declared response to send, and its body and headers
- ``routing``: Routing like the vendor's server: templated paths under the contract's mount point
- ``security``: The presence of declared credentials, checked the way a gateway would before anything else
- ``violations``: A request's violations, collected within bounds: all counted, ``max_violations`` listed, values
  clipped
"""
