"""ctk — turn API contracts (OpenAPI, WSDL, GraphQL) into mocks, tests and early warnings.

The public API is what ``__all__`` lists; everything else is internal and may change.
"""

from toolkit.__about__ import __version__
from toolkit.errors import CtkError, LoadError
from toolkit.load import load_contract
from toolkit.model import (
    Contract,
    GraphQLOperation,
    HttpOperation,
    Location,
    Operation,
    Problem,
    Protocol,
    Severity,
    SoapOperation,
)
from toolkit.protocols import compile_mock

__all__ = [
    "Contract",
    "CtkError",
    "GraphQLOperation",
    "HttpOperation",
    "LoadError",
    "Location",
    "Operation",
    "Problem",
    "Protocol",
    "Severity",
    "SoapOperation",
    "__version__",
    "compile_mock",
    "load_contract",
]
