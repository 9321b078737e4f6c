"""Tests of the foundation modules (load, sources, limits, workspace, fake, sunset, errors) and the
package-wide checks (public API, error tree, architecture, dependencies, bad input, XML safety)."""
