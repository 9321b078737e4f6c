"""Tests of toolkit/vendor, the live-API client."""
