"""XML Schema's built-in simple types by family: what kind of value each one holds, and the integer ranges.

Shared by ``simple_types`` (deriving and checking) and ``values`` (drawing literals), so neither imports
the other for its tables.
"""

from __future__ import annotations

FAMILY = {
    "float": "float", "double": "float", "decimal": "decimal", "boolean": "boolean",
    "ID": "NCName", "IDREF": "NCName", "ENTITY": "NCName", "NCName": "NCName", "Name": "Name",
    "NMTOKEN": "NMTOKEN", "language": "language", "QName": "QName", "NOTATION": "QName", "token": "token",
    "normalizedString": "normalizedString", "string": "string", "anyURI": "string", "anySimpleType": "string",
    "anyType": "string",
    **{name: name for name in ("dateTime", "date", "time", "duration", "gYear", "gYearMonth", "gMonth", "gDay",
                               "gMonthDay", "hexBinary", "base64Binary")},
}  # fmt: skip
INTEGER_RANGES: dict[str, tuple[int | None, int | None]] = {
    "integer": (None, None), "long": (-(2**63), 2**63 - 1), "int": (-(2**31), 2**31 - 1), "short": (-32768, 32767),
    "byte": (-128, 127), "nonNegativeInteger": (0, None), "positiveInteger": (1, None), "unsignedLong": (0, 2**64 - 1),
    "unsignedInt": (0, 2**32 - 1), "unsignedShort": (0, 65535), "unsignedByte": (0, 255),
    "nonPositiveInteger": (None, 0), "negativeInteger": (None, -1),
}  # fmt: skip
LIST_BUILTINS = {"NMTOKENS": "NMTOKEN", "IDREFS": "IDREF", "ENTITIES": "ENTITY"}


def family(builtin: str) -> str:
    return "integer" if builtin in INTEGER_RANGES else FAMILY.get(builtin, "string")
