"""Tests of toolkit/soap: load, the XSD validator and its patterns, the mock (and zeep against it), the diff,
and the limits on schemas."""
