"""Tests of toolkit/openapi: load, JSON Schema conversion, lint, generation, the mock, the diff and its oracles."""
