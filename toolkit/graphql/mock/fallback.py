"""The signal that a request is not answered by a compiled plan the way graphql-core would answer it.

Its own module so that the plan (``plan.py``) and the writers generated for it (``plan_source.py``) both raise it
without importing each other: ``plan`` imports ``plan_source``, never the other way round.
"""

from __future__ import annotations

__all__ = ["Fallback"]


class Fallback(Exception):  # noqa: N818 - a signal, not an error: the caller runs graphql-core's execute
    """This request is not answered by the plan the way graphql-core would: run ``execute``."""
