"""Tests of toolkit/drift: the report model and dispatch, the renderers, .ctkignore, live vendor sources, and
the example workspace end to end."""
