"""Tests of toolkit/verify, the conformance engines (OpenAPI self-conformance, GraphQL, the SOAP judges)."""
