"""``fast_parse`` after its lexer reads tokens with one ``finditer`` (an unread character between two matches
declines) and its parser reads fields, names and selection sets inline: still exactly graphql-core's tree, or
None. A seeded sweep of single-character insertions and deletions over graphql-core's validation documents and
the benchmark's documents (the hypothesis test in ``test_g2b_fast_parse`` draws a few hundred; this walks
thousands, every character class the lexer treats apart).
"""

from __future__ import annotations

import random

from tests.graphql.test_g2b_fast_parse import CASES, _check, fields

_INSERTS = ['"', "#", "\r", ".", "0", "a", "}", "{", "(", ")", "$", "@", "\\", "\ufeff", "!", ":", "~", "é", " ",
            "\n", ",", "...", "-", "1.5", "e", "[", "]", "=", "|", "&", "\x00", "\u2028"]  # fmt: skip


def test_single_character_mutations() -> None:
    rng = random.Random(18)
    texts = [case["document"] for case in CASES["documents"]]
    texts += [f'{{ product(id: "UHJv{n}") {{ {fields(n)} }} }}' for n in range(0, 300, 7)]
    read = 0
    for text in texts:
        for _ in range(8):
            position = rng.randrange(len(text) + 1)
            read += _check(text[:position] + rng.choice(_INSERTS) + text[position:])
            read += _check(text[:position] + text[position + 1 :])
    assert read > 2000  # most mutations still parse (whitespace, names), and those were compared node by node


def test_whole_documents_still_read() -> None:
    assert sum(_check(case["document"]) for case in CASES["documents"]) > 450
    for n in range(0, 2000, 13):
        assert _check(f'{{ product(id: "UHJv{n}") {{ {fields(n)} }} }}')
        assert _check(f"query Q($id: ID!) {{ a: product(id: $id) @include(if: true) {{ {fields(n)} }} }}")
