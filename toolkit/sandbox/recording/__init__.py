"""Recording a vendor's real sandbox and replaying it: ``ctk record`` and ``ctk recordings audit``.

- ``shapes``: what a secret looks like (JWTs, bearer tokens, cloud and SaaS keys, PEM blocks, secret field names),
  and ctk's placeholders, shared by redaction and the audit
- ``redact``: redaction at write time, both directions, each secret replaced by a stable placeholder
- ``har``: the file format (HAR 1.2, ctk's fields under ``_ctk``), bounded, written atomically
- ``check``: each recorded exchange against the contract (drift evidence)
- ``proxy``: the recorder, an ASGI app forwarding to the vendor with httpx
- ``replay``: the sandbox's ``replay`` layer, recorded answers first
- ``audit``: scanning recordings (ctk's, HAR, VCR cassettes, any text) for secrets
"""
