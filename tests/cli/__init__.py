"""Tests of toolkit/cli through the commands: ctk lint, ctk serve, ctk drift."""
