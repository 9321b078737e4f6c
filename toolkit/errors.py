"""Every error ctk raises on purpose, in one tree.

Users meet these as one or two lines on the terminal (what, where, hint), so each carries the
place it is about and, where we can give one, a hint. The CLI maps them to exit codes; nothing
outside ``toolkit.cli`` prints them.

    CtkError                       anything ctk refuses, with ``where`` and ``hint``
    ├── LoadError                  a contract could not be read or understood      (exit 2)
    │   ├── SourceError            missing, empty, binary, too large, unreachable
    │   ├── ParseError             invalid JSON, YAML, XML or GraphQL syntax
    │   ├── UnsafeXMLError         a DTD or entity declaration (XXE, billion laughs)
    │   ├── UnresolvedReferenceError   a $ref, wsdl:import or xsd:import that leads nowhere
    │   ├── RemoteReferenceError   a local contract that refers to the network
    │   ├── LocalReferenceError    a contract from a URL that refers to a local file (or out of a mirror)
    │   ├── InternalAddressError   a contract from a public address that leads to an internal one (SSRF)
    │   └── UnknownFormatError     not OpenAPI, WSDL 1.1 or GraphQL
    ├── ConfigError                sandbox/sandbox.toml is invalid                 (exit 2)
    │   └── sandbox.stores.errors.StoreURLError      a store URL of no accepted form (names the forms)
    │
    │   defined beside the code that raises them (a child is in its parent's module):
    ├── openapi.jsonschema.SchemaCompileError        a schema no validator can be built for
    ├── openapi.generate.generator.GenerationError   a schema no value can satisfy (names its place)
    │   └── GenerationLimitError                     a schema asks for more than a generation limit allows
    ├── soap.generate.errors.XsdGenerationError      an element no valid instance can be generated for
    │   └── XsdGenerationLimitError                  an element asks for more than a generation limit allows
    ├── graphql.mock.handler.GraphQLMockError        a schema the GraphQL mock cannot serve
    ├── sandbox.stores.errors.StoreError             the sandbox's store unreachable or failing (its URL, no password)
    ├── sandbox.stores.errors.StoreFullError         a new key beyond max_stored_items, a value beyond max_body
    ├── evidence.EvidenceError     an evidence file that cannot be read or written (names file#place)
    ├── protocols.JobUnavailableError  no lint, mock or diff for a protocol in this installation (exit 2)
    ├── vendor.errors.VendorError  a real vendor cannot be talked to as configured (exit 2)
    │   └── CredentialsError       an environment variable named in vendor.auth is unset
    └── drift.errors.DriftError    a drift request that cannot be carried out     (exit 2)
        ├── ProtocolMismatchError  OLD and NEW are different protocols
        ├── UnknownApiError        the API is not in sandbox.toml
        ├── NoNewSourceError       the API has no published contract or live endpoint
        ├── drift.gitref.GitRefError   a REF:PATH git cannot read (no such ref or path, no repository)
        └── IgnoreFileError        drift-ignore.toml is malformed (names file:line)
"""

from __future__ import annotations


class CtkError(Exception):
    """Base of every deliberate ctk error.

    ``where`` names the file and, where known, the place in it (``file:line`` or
    ``file#/json/pointer``); ``hint`` says what the user can do about it.
    """

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def __str__(self) -> str:
        head = f"{self.where}: {self.message}" if self.where else self.message
        return f"{head} (hint: {self.hint})" if self.hint else head


class LoadError(CtkError):
    """A contract could not be loaded."""


class SourceError(LoadError):
    """The bytes of a contract could not be had: missing, empty, binary, too large, unreachable."""


class ParseError(LoadError):
    """The file is not valid JSON, YAML, XML or GraphQL."""


class UnsafeXMLError(LoadError):
    """An XML document declares a DTD or entities; ctk never expands or fetches them."""


class UnresolvedReferenceError(LoadError):
    """A reference ($ref, wsdl:import, xsd:import, xsd:include) points at nothing."""


class RemoteReferenceError(LoadError):
    """A contract read from disk refers to a URL; ctk fetches only what the user asked for."""


class LocalReferenceError(LoadError):
    """A document fetched from a URL refers to a local file, or a mirrored one leads out of its mirror.

    The trust boundary of remote contracts: the vendor's text must never make ctk read the user's disk.
    """


class InternalAddressError(LoadError):
    """A contract fetched from a public address refers, redirects or imports to an internal address.

    The trust boundary of the network: a vendor's (or an attacker's) document must never make ctk
    connect to loopback, a private network or a link-local address (cloud metadata at 169.254.169.254)
    and quote what comes back. ``address`` is the internal address the name resolved to.
    """

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None, address: str = "") -> None:
        super().__init__(message, where=where, hint=hint)
        self.address = address


class UnknownFormatError(LoadError):
    """The content is not a contract ctk understands."""


class ConfigError(CtkError):
    """The workspace configuration (sandbox/sandbox.toml) is invalid."""
