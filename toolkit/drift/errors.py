"""The errors ``ctk drift`` raises on purpose, below ``CtkError`` so the CLI reports them in one line.

    CtkError
    └── DriftError                 drift cannot be computed as asked                (exit 2)
        ├── ProtocolMismatchError  OLD and NEW are contracts of different protocols
        ├── UnknownApiError        ``ctk drift NAME`` names no API of the workspace
        ├── NoNewSourceError       an API has no published contract and no live endpoint
        └── IgnoreFileError        drift-ignore.toml is malformed (``where`` is file:line)

Unreachable vendors and unreadable contracts stay ``toolkit.errors.SourceError``/``LoadError``: they
are load failures like any other. A vendor credential missing from the environment is
``toolkit.vendor.errors.CredentialsError``.
"""

from __future__ import annotations

from toolkit.errors import CtkError


class DriftError(CtkError):
    """Drift cannot be computed as asked."""


class ProtocolMismatchError(DriftError):
    """The two contracts compared are not of the same protocol."""


class UnknownApiError(DriftError):
    """A name given to ``ctk drift`` is not an API of the workspace."""


class NoNewSourceError(DriftError):
    """An API has nothing to compare its pinned contract with."""


class IgnoreFileError(DriftError):
    """The ignore file is malformed."""
