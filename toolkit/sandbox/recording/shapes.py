"""What a secret looks like: the shapes redaction scrubs from any text and the audit flags, the field names that
hold secrets, and ctk's own placeholders (which neither touches again).

A placeholder is ``ctk-redacted-`` and 16 hex digits: no character JSON, XML, a header, a cookie or a query
string would have to escape, so a redacted document stays well-formed and a redacted URL stays one URL.
"""

from __future__ import annotations

import re

__all__ = [
    "PLACEHOLDER",
    "SHAPES",
    "is_placeholder",
    "is_secret_name",
]

PLACEHOLDER = re.compile(r"ctk-redacted-[0-9a-f]{16}")

# name -> pattern; group "secret" (when present) is the part to replace, else the whole match. Ordered: a PEM block
# before the shapes that could match inside it.
SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "private key",
        re.compile(
            r"-----BEGIN (?P<kind>[A-Z ]{0,20})PRIVATE KEY-----[\s\S]{1,16384}?-----END (?P=kind)PRIVATE KEY-----"
        ),
    ),
    ("JWT", re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")),
    ("bearer token", re.compile(r"(?i)\bbearer\s+(?P<secret>[A-Za-z0-9._~+/-]{8,}=*)")),
    # only after "Authorization": "basic" followed by a long word is ordinary prose too
    (
        "basic credentials",
        re.compile(
            r"(?i)authorization[\"']?\s*[:=]\s*[\"']?basic\s+(?P<secret>[A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])"
        ),
    ),
    (
        "password in a URL",
        re.compile(r"\b[a-z][a-z0-9+.-]{1,20}://[^/\s:@\"'<>]{1,256}:(?P<secret>[^@\s/\"'<>]{1,256})@"),
    ),
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    (
        "AWS secret access key",
        re.compile(
            r"(?i)aws_?secret_?(?:access_?)?key[\"']?\s*[:=]\s*[\"']?(?P<secret>[A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"
        ),
    ),
    ("Stripe key", re.compile(r"\b(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{10,}\b")),
    ("Stripe webhook secret", re.compile(r"\bwhsec_[0-9A-Za-z]{16,}\b")),
    ("GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b")),
    ("Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}")),
)

# Field, parameter, header and element names that hold a secret, compared without case, '-' or '_'.
_SECRET_NAMES = frozenset(
    {
        "password", "passwd", "pwd", "passphrase", "secret", "token", "accesstoken", "refreshtoken", "idtoken",
        "clientsecret", "apikey", "apisecret", "privatekey", "secretkey", "sessiontoken", "authorization",
        "binarysecuritytoken", "awssecretaccesskey", "sessionid", "signature", "authtoken", "xapikey", "apitoken",
        "credentials", "credential", "otp", "cvv", "cvc",
    }
)  # fmt: skip
_SECRET_ENDINGS = ("password", "secret", "token", "apikey", "passwd", "privatekey", "secretkey", "sessionid")


def normal_name(name: str) -> str:
    """``name`` as the name tables compare it: lower case, without '-', '_', '.' or a namespace prefix."""
    local = name.rpartition(":")[2]
    return local.lower().replace("-", "").replace("_", "").replace(".", "")


# Query parameters also carry short names a body field would not be redacted for (``?key=``, ``?sig=``), and
# names ending in a separated key or signature (``stripe_key``, ``x-signature``; not ``monkey``).
_QUERY_NAMES = frozenset({"key", "sig", "sid", "code", "auth"})
_QUERY_ENDINGS = re.compile(r"[-_.](?:key|sig|signature)$")


def is_secret_name(name: str, *, query: bool = False) -> bool:
    """Whether a field, parameter or element called ``name`` holds a secret by its name alone (``query``: a query or
    form parameter, where a few short names count too). The one rule the recorder, the audit and the journal share."""
    normal = normal_name(name)
    if normal in _SECRET_NAMES or normal.endswith(_SECRET_ENDINGS):
        return True
    return query and (normal in _QUERY_NAMES or _QUERY_ENDINGS.search(name.rpartition(":")[2].lower()) is not None)


def is_placeholder(text: str) -> bool:
    """Whether ``text`` is one of ctk's placeholders (or a scheme word and one: ``Bearer ctk-redacted-…``)."""
    return PLACEHOLDER.fullmatch(text.strip().rpartition(" ")[2]) is not None
