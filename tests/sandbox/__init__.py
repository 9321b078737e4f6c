"""Tests of toolkit/sandbox: ctk serve's multi-API server (every protocol under its mount, the dispatcher)."""
