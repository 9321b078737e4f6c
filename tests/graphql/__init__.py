"""Tests of toolkit/graphql: load, the mock (and its limits) and the diff with its oracles."""
