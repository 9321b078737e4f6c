"""graphql-core's ``parse`` for the plain executable documents clients send, without its per-token machinery.

graphql-core lexes one character at a time and builds each node through a frozen dataclass ``__init__`` (an
``object.__setattr__`` per field); on a new document of a dozen fields that is ~100 µs, a sixth of a request.
``parse_plain`` reads the same documents with one regular expression per token and fills each node's
``__dict__`` directly, giving the very tree graphql-core builds: the same node classes and values, a
``Location`` on every node with the same start and end tokens (kind, offsets, line, column, value), the same
``token_count``. The tokens are left unlinked (as ``handler._unlinked`` leaves graphql-core's).

It reads only a subset, and answers ``None`` for anything else, so that graphql-core parses it (and reports
any syntax error with its own message and location): comments, ``\\r``, a byte-order mark, block strings,
strings with escapes or characters outside printable ASCII and ``U+00A0``..``U+FFFF``, descriptions, type
system definitions, a number followed by ``.``, a letter or a digit, more tokens than ``max_tokens``, nesting
deeper than ``_MAX_NESTING``, and every syntax error. ``tests/graphql/test_g2b_fast_parse.py`` compares the
two trees node by node (and token by token) on graphql-core's validation documents, the corpus and generated
documents.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Any

from graphql import OperationType, Source, TokenKind
from graphql.language.ast import (
    ArgumentNode,
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    EnumValueNode,
    FieldNode,
    FloatValueNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    ListTypeNode,
    ListValueNode,
    Location,
    NamedTypeNode,
    NameNode,
    NonNullTypeNode,
    NullValueNode,
    ObjectFieldNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    Token,
    VariableDefinitionNode,
    VariableNode,
)

__all__ = ["parse_plain"]

# graphql-core's parser raises RecursionError past 200 nested selection sets, lists, objects or list types;
# well below it, so that the fast path never has to reproduce that limit
_MAX_NESTING = 64

# ignored characters, then one token; a string holds no escape, quote or control character
_TOKEN = re.compile(
    r"[ \t,\n]*(?:"
    r"(?P<name>[_A-Za-z][_0-9A-Za-z]*)"
    r"|(?P<number>-?(?:0|[1-9][0-9]*)(?P<fraction>\.[0-9]+)?(?P<exponent>[eE][+-]?[0-9]+)?)"
    r'|(?P<string>"[\t !#-\[\]-~\u00a0-\ud7ff\ue000-\uffff]*")'
    r"|(?P<punctuator>\.\.\.|[!$&():=@\[\]{|}])"
    r")"
)
_IGNORED_TAIL = re.compile(r"[ \t,\n]*\Z")
# what may not follow a number (graphql-core: "Invalid number"), nor a string (a block string's third quote)
_NOT_AFTER_NUMBER = frozenset("._0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_PUNCTUATORS = {kind.value: kind for kind in TokenKind if kind.value in "!$&():=@[]{|}..."}
_NAME, _COLON, _PAREN_L, _PAREN_R = TokenKind.NAME, TokenKind.COLON, TokenKind.PAREN_L, TokenKind.PAREN_R
_BRACE_L, _BRACE_R, _AT, _SPREAD = TokenKind.BRACE_L, TokenKind.BRACE_R, TokenKind.AT, TokenKind.SPREAD
_new = object.__new__
_OPERATIONS = {"query": OperationType.QUERY, "mutation": OperationType.MUTATION,
               "subscription": OperationType.SUBSCRIPTION}  # fmt: skip


class _UnsupportedError(Exception):
    """Outside the subset read here (or not a valid document): graphql-core parses it."""


def _node(cls: type[Any], fields: dict[str, Any]) -> Any:
    """A node as its dataclass ``__init__`` makes it (every field set, in order), without the frozen setattrs."""
    node = object.__new__(cls)
    node.__dict__.update(fields)
    return node


def _tokens(body: str, max_tokens: int | None) -> list[Token] | None:
    """The lexical tokens of ``body`` as graphql-core's lexer makes them, or None outside the subset."""
    tokens: list[Token] = []
    append_token = tokens.append
    size = len(body)
    lines = [index for index, char in enumerate(body) if char == "\n"] if "\n" in body else None
    limit = size if max_tokens is None else max_tokens  # a token is at least one character
    name_kind = TokenKind.NAME
    position = 0
    # finditer skips what no token matches: a match starting past where the last one ended means an unread
    # character, outside the subset
    for found in _TOKEN.finditer(body):
        if found.start() != position:
            return None
        group = found.lastgroup or ""  # the outermost group: a number's fraction and exponent close inside it
        start, end = found.span(group)
        if lines is None:
            line, column = 1, start + 1
        else:
            before = bisect_right(lines, start)
            line = before + 1
            column = start - lines[before - 1] if before else start + 1  # a line starts past its newline
        if group == "name":
            token = Token(name_kind, start, end, line, column, body[start:end])
        elif group == "punctuator":
            token = Token(_PUNCTUATORS[body[start:end]], start, end, line, column)
        elif group == "string":
            if end < size and body[end] == '"':
                return None
            token = Token(TokenKind.STRING, start, end, line, column, body[start + 1 : end - 1])
        else:
            if end < size and body[end] in _NOT_AFTER_NUMBER:
                return None
            kind = TokenKind.FLOAT if found.group("fraction") or found.group("exponent") else TokenKind.INT
            token = Token(kind, start, end, line, column, body[start:end])
        append_token(token)
        if len(tokens) > limit:
            return None
        position = end
    return tokens if position == size or _IGNORED_TAIL.match(body, position) else None


def parse_plain(source: Source, max_tokens: int | None = None) -> DocumentNode | None:
    """``parse(source, max_tokens=max_tokens)``'s document (tokens unlinked), or None: graphql-core must parse."""
    body = source.body
    tokens = _tokens(body, max_tokens)
    if not tokens:
        return None
    try:
        return _Parser(source, tokens).document()
    except (_UnsupportedError, IndexError):
        return None


class _Parser:
    """graphql-core's ``Parser`` methods for executable documents, over a ready token list."""

    def __init__(self, source: Source, tokens: list[Token]) -> None:
        self.source = source
        self.tokens = tokens
        size = len(source.body)
        self.end_of_file = Token(TokenKind.EOF, size, size, *_line_column(source.body, size))
        tokens.append(self.end_of_file)  # the sentinel every lookahead may meet
        self.position = 0
        self.depth = 0

    def loc(self, start: Token) -> Location:
        end = self.tokens[self.position - 1]
        location = object.__new__(Location)
        location.start = start.start
        location.end = end.end
        location.start_token = start
        location.end_token = end
        location.source = self.source
        return location

    def peek(self, kind: TokenKind) -> bool:
        return self.tokens[self.position].kind is kind

    def expect(self, kind: TokenKind) -> Token:
        token = self.tokens[self.position]
        if token.kind is not kind:
            raise _UnsupportedError
        self.position += 1
        return token

    def optional(self, kind: TokenKind) -> bool:
        if self.tokens[self.position].kind is kind:
            self.position += 1
            return True
        return False

    def nest(self) -> None:
        self.depth += 1
        if self.depth > _MAX_NESTING:
            raise _UnsupportedError

    def document(self) -> DocumentNode:
        definitions = []
        eof = self.end_of_file
        while self.tokens[self.position] is not eof:
            definitions.append(self.definition())
        start_of_file = Token(TokenKind.SOF, 0, 0, 0, 0)
        self.position += 1  # past EOF, as graphql-core's last token is EOF once the document is read
        document: DocumentNode = _node(
            DocumentNode, {"loc": self.loc(start_of_file), "definitions": tuple(definitions)}
        )
        self.tokens.pop()
        document.__dict__["token_count"] = len(self.tokens)
        return document

    def definition(self) -> Any:
        token = self.tokens[self.position]
        if token.kind is TokenKind.BRACE_L:  # a shorthand query
            selection_set = self.selection_set()
            return _node(OperationDefinitionNode, {"loc": self.loc(token), "selection_set": selection_set,
                "description": None, "name": None, "variable_definitions": None, "directives": None,
                "operation": OperationType.QUERY})  # fmt: skip
        if token.kind is not TokenKind.NAME:
            raise _UnsupportedError
        if token.value == "fragment":
            return self.fragment_definition()
        operation = _OPERATIONS.get(token.value or "")
        if operation is None:
            raise _UnsupportedError
        self.position += 1
        name = self.name() if self.peek(TokenKind.NAME) else None
        variable_definitions = self.variable_definitions()
        directives = self.directives(False)
        selection_set = self.selection_set()
        return _node(OperationDefinitionNode, {"loc": self.loc(token), "selection_set": selection_set,
            "description": None, "name": name, "variable_definitions": variable_definitions,
            "directives": directives, "operation": operation})  # fmt: skip

    def name(self) -> NameNode:
        token = self.tokens[self.position]
        if token.kind is not _NAME:
            raise _UnsupportedError
        self.position += 1
        return self.name_of(token)

    def name_of(self, token: Token) -> NameNode:
        """The name node of a name token (the token its location's start and end)."""
        location = _new(Location)
        location.start = token.start
        location.end = token.end
        location.start_token = location.end_token = token
        location.source = self.source
        node: NameNode = _new(NameNode)
        node.__dict__.update({"loc": location, "value": token.value})
        return node

    def variable_definitions(self) -> tuple[VariableDefinitionNode, ...] | None:
        if not self.optional(TokenKind.PAREN_L):
            return None
        found = [self.variable_definition()]
        while not self.optional(TokenKind.PAREN_R):
            found.append(self.variable_definition())
        return tuple(found)

    def variable_definition(self) -> VariableDefinitionNode:
        start = self.tokens[self.position]
        variable = self.variable()
        self.expect(TokenKind.COLON)
        type_ = self.type_reference()
        default = self.value(True) if self.optional(TokenKind.EQUALS) else None
        directives = self.directives(True)
        node: VariableDefinitionNode = _node(VariableDefinitionNode, {"loc": self.loc(start), "description": None,
            "variable": variable, "type": type_, "default_value": default, "directives": directives})  # fmt: skip
        return node

    def variable(self) -> VariableNode:
        start = self.expect(TokenKind.DOLLAR)
        name = self.name()
        node: VariableNode = _node(VariableNode, {"loc": self.loc(start), "name": name})
        return node

    def selection_set(self) -> SelectionSetNode:
        self.nest()
        tokens = self.tokens
        start = tokens[self.position]
        if start.kind is not _BRACE_L:
            raise _UnsupportedError
        self.position += 1
        selections: list[FieldNode | FragmentSpreadNode | InlineFragmentNode] = []
        append = selections.append
        field = self.field
        while True:
            kind = tokens[self.position].kind
            if kind is _NAME:
                append(field())
            elif kind is _BRACE_R:
                break
            elif kind is _SPREAD:
                append(self.fragment())
            else:
                raise _UnsupportedError
        self.position += 1
        self.depth -= 1
        node: SelectionSetNode = _node(SelectionSetNode, {"loc": self.loc(start), "selections": tuple(selections)})
        return node

    def field(self) -> FieldNode:
        # the common case read inline: a name, an alias, then what follows (graphql-core's parse_field)
        tokens = self.tokens
        position = self.position
        start = tokens[position]
        name = self.name_of(start)  # the caller saw a name
        token = tokens[position + 1]
        alias = None
        if token.kind is _COLON:
            token = tokens[position + 2]
            if token.kind is not _NAME:
                raise _UnsupportedError
            alias, name = name, self.name_of(token)
            position += 3
        else:
            position += 1
        self.position = position
        kind = tokens[position].kind
        arguments = self.arguments(False) if kind is _PAREN_L else None
        directives = self.directives(False) if tokens[self.position].kind is _AT else None
        selection_set = self.selection_set() if tokens[self.position].kind is _BRACE_L else None
        end = tokens[self.position - 1]
        location = _new(Location)
        location.start = start.start
        location.end = end.end
        location.start_token = start
        location.end_token = end
        location.source = self.source
        node: FieldNode = _new(FieldNode)
        node.__dict__.update({"loc": location, "directives": directives, "name": name, "alias": alias,
                              "arguments": arguments, "selection_set": selection_set})  # fmt: skip
        return node

    def arguments(self, const: bool) -> tuple[ArgumentNode, ...] | None:
        if not self.optional(TokenKind.PAREN_L):
            return None
        found = [self.argument(const)]
        while not self.optional(TokenKind.PAREN_R):
            found.append(self.argument(const))
        return tuple(found)

    def argument(self, const: bool) -> ArgumentNode:
        start = self.tokens[self.position]
        name = self.name()
        self.expect(TokenKind.COLON)
        value = self.value(const)
        node: ArgumentNode = _node(ArgumentNode, {"loc": self.loc(start), "name": name, "value": value})
        return node

    def fragment(self) -> FragmentSpreadNode | InlineFragmentNode:
        start = self.expect(TokenKind.SPREAD)
        token = self.tokens[self.position]
        on = token.kind is TokenKind.NAME and token.value == "on"
        if on:
            self.position += 1
        elif token.kind is TokenKind.NAME:
            name = self.name()
            directives = self.directives(False)
            spread: FragmentSpreadNode = _node(FragmentSpreadNode, {"loc": self.loc(start), "directives": directives,
                "name": name, "arguments": None})  # fmt: skip
            return spread
        type_condition = self.named_type() if on else None
        directives = self.directives(False)
        selection_set = self.selection_set()
        inline: InlineFragmentNode = _node(InlineFragmentNode, {"loc": self.loc(start), "directives": directives,
            "selection_set": selection_set, "type_condition": type_condition})  # fmt: skip
        return inline

    def fragment_definition(self) -> FragmentDefinitionNode:
        start = self.tokens[self.position]
        self.position += 1  # "fragment"
        if self.tokens[self.position].value == "on":
            raise _UnsupportedError
        name = self.name()
        keyword = self.expect(TokenKind.NAME)
        if keyword.value != "on":
            raise _UnsupportedError
        type_condition = self.named_type()
        directives = self.directives(False)
        selection_set = self.selection_set()
        node: FragmentDefinitionNode = _node(FragmentDefinitionNode, {"loc": self.loc(start),
            "selection_set": selection_set, "description": None, "name": name, "variable_definitions": (),
            "directives": directives, "type_condition": type_condition})  # fmt: skip
        return node

    def value(self, const: bool) -> Any:
        token = self.tokens[self.position]
        kind = token.kind
        if kind is TokenKind.NAME:
            self.position += 1
            text = token.value
            if text == "true" or text == "false":
                return _node(BooleanValueNode, {"loc": self.loc(token), "value": text == "true"})
            if text == "null":
                return _node(NullValueNode, {"loc": self.loc(token)})
            return _node(EnumValueNode, {"loc": self.loc(token), "value": text})
        if kind is TokenKind.STRING:
            self.position += 1
            return _node(StringValueNode, {"loc": self.loc(token), "value": token.value, "block": False})
        if kind is TokenKind.INT or kind is TokenKind.FLOAT:
            self.position += 1
            return _node(IntValueNode if kind is TokenKind.INT else FloatValueNode,
                         {"loc": self.loc(token), "value": token.value})  # fmt: skip
        if kind is TokenKind.DOLLAR:
            if const:
                raise _UnsupportedError
            return self.variable()
        if kind is TokenKind.BRACKET_L:
            self.nest()
            self.position += 1
            values = []
            while not self.optional(TokenKind.BRACKET_R):
                values.append(self.value(const))
            self.depth -= 1
            return _node(ListValueNode, {"loc": self.loc(token), "values": tuple(values)})
        if kind is TokenKind.BRACE_L:
            self.nest()
            self.position += 1
            fields = []
            while not self.optional(TokenKind.BRACE_R):
                field_start = self.tokens[self.position]
                name = self.name()
                self.expect(TokenKind.COLON)
                value = self.value(const)
                fields.append(_node(ObjectFieldNode, {"loc": self.loc(field_start), "name": name, "value": value}))
            self.depth -= 1
            return _node(ObjectValueNode, {"loc": self.loc(token), "fields": tuple(fields)})
        raise _UnsupportedError

    def directives(self, const: bool) -> tuple[DirectiveNode, ...] | None:
        if not self.peek(TokenKind.AT):
            return None
        found = []
        while self.peek(TokenKind.AT):
            start = self.tokens[self.position]
            self.position += 1
            name = self.name()
            arguments = self.arguments(const)
            found.append(_node(DirectiveNode, {"loc": self.loc(start), "name": name, "arguments": arguments}))
        return tuple(found)

    def type_reference(self) -> Any:
        start = self.tokens[self.position]
        type_: Any
        if self.optional(TokenKind.BRACKET_L):
            self.nest()
            inner = self.type_reference()
            self.depth -= 1
            self.expect(TokenKind.BRACKET_R)
            type_ = _node(ListTypeNode, {"loc": self.loc(start), "type": inner})
        else:
            type_ = self.named_type()
        if self.optional(TokenKind.BANG):
            return _node(NonNullTypeNode, {"loc": self.loc(start), "type": type_})
        return type_

    def named_type(self) -> NamedTypeNode:
        start = self.tokens[self.position]
        name = self.name()
        node: NamedTypeNode = _node(NamedTypeNode, {"loc": self.loc(start), "name": name})
        return node


def _line_column(body: str, position: int) -> tuple[int, int]:
    line_start = body.rfind("\n", 0, position) + 1
    return body.count("\n", 0, position) + 1, position - line_start + 1
