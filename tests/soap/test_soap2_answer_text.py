"""The answer's text checks and envelope: the shortcuts give the verdicts and bytes of the general ways.

``unwritable`` tells an ASCII answer by deleting the allowed bytes rather than by ``isprintable`` and a search;
``envelope_text`` writes the usual answer (one Body element, no Header) from its constant ends. Both are compared
with what they stand for: the search of ``_NOT_XML`` over every character class, and ``build_envelope``'s bytes.
"""

from __future__ import annotations

import random

import pytest
from lxml import etree

from toolkit.soap.generate.xmltext import _NOT_XML, unwritable
from toolkit.soap.mock.envelope import ENVELOPE_NAMESPACES, build_envelope, envelope_text


def _searched(text: str) -> bool:
    return _NOT_XML.search(text) is not None


def test_unwritable_is_the_search_for_every_character() -> None:
    # every ASCII and Latin-1 character, the surrogates and noncharacters, and a sample of the rest
    rng = random.Random(18)
    codes = [*range(0x100), *range(0xD7F0, 0xE010), 0xFFFD, 0xFFFE, 0xFFFF, 0x10000, 0x10FFFF]
    codes += [rng.randrange(0x110000) for _ in range(3000)]
    for code in codes:
        char = chr(code)
        for text in (char, f"plain {char} text", f"é{char}", f"{char}\n\t\r"):
            assert unwritable(text) == _searched(text), (hex(code), text)


def test_unwritable_on_whole_answers() -> None:
    rng = random.Random(7)
    alphabet = "abc <>&\"'\t\n\r\x00\x01\x08\x0b\x0c\x1f\x7f é中\ud800\ufffe"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(40)))
        assert unwritable(text) == _searched(text), repr(text)


@pytest.mark.parametrize("version", sorted(ENVELOPE_NAMESPACES))
@pytest.mark.parametrize("count", [0, 1, 2])
@pytest.mark.parametrize("header_count", [0, 1])
def test_envelope_text_is_build_envelopes_bytes(version: str, count: int, header_count: int) -> None:
    texts = ['<t:a xmlns:t="urn:t">x &amp; y é</t:a>', '<b xmlns="urn:b"/>'][:count]
    headers = ['<h:h xmlns:h="urn:h">1</h:h>'][:header_count]
    expected = build_envelope(
        version, [etree.fromstring(text) for text in texts], [etree.fromstring(text) for text in headers]
    )
    assert envelope_text(version, texts, headers) == expected
    assert envelope_text(version, tuple(texts), iter(headers)) == expected  # not lists: the general way
