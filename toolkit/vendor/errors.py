"""The errors ``toolkit.vendor`` raises on purpose, below ``CtkError`` so the CLI reports them in one line.

    CtkError
    └── VendorError                a real vendor cannot be talked to as configured   (exit 2)
        └── CredentialsError       an environment variable named in ``vendor.auth`` is unset

An unreachable vendor, or one whose answer is not a contract, stays ``toolkit.errors.SourceError``: a
load failure like any other.
"""

from __future__ import annotations

from toolkit.errors import CtkError


class VendorError(CtkError):
    """A real vendor cannot be talked to as the workspace configures it."""


class CredentialsError(VendorError):
    """A credential named in ``vendor.auth`` is not in the environment."""
