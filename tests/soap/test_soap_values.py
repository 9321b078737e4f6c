"""Quick forms give what the slow ones give: ``quick_decimal_text`` the text of the Decimal way (varied floats, ties,
floats next to ties, any double), ``unwritable`` the regex search's answer (every code point), ``Pick`` and
``Template`` the values ``rng.choice`` draws, leaving the rng as it does; repeated picks of a fast pattern drawer
the strings ``regex_strings`` draws."""

from __future__ import annotations

import math
import random
import struct
from decimal import Decimal

import pytest

from toolkit.regex_strings import regex_generator
from toolkit.soap.generate.pattern_draws import fast_drawer
from toolkit.soap.generate.plans import Pick, Template, _Scripted
from toolkit.soap.generate.values import _decimal_text, quick_decimal_text
from toolkit.soap.generate.xmltext import _NOT_XML, unwritable


def _floats() -> list[float]:
    rng = random.Random(18)
    found = [0.0, -0.0, 0.5, 1.5, 2.5, -2.5, 0.125, 0.005, 0.015, 0.025, -0.004, 9.995, 99.995, 1e-4, 1e-5]
    found += [123456789.125, 1e15, 1e16, 2.0**53, math.inf, -math.inf, math.nan, 8934.4951, 0.045, 1.0000000000000002]
    found += [rng.uniform(0, 10_000) for _ in range(20_000)]
    found += [rng.uniform(-1, 1) for _ in range(5_000)]
    found += [round(rng.uniform(-100, 100), rng.randint(0, 6)) for _ in range(5_000)]  # ties and short texts
    found += [n / 1000 + 0.0005 for n in range(-3000, 3000)]  # half-way cases as the floats near them
    ties = [n / 10**places + 5 / 10 ** (places + 1) for n in range(-2000, 2000) for places in (1, 2, 3)]
    found += [math.nextafter(math.nextafter(tie, way), way) for tie in ties for way in (-math.inf, math.inf)]
    found += [math.nextafter(tie, way) for tie in ties for way in (-math.inf, math.inf)]  # a float off a tie
    found += [struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0] for _ in range(5_000)]  # any double
    return found


@pytest.mark.parametrize("places", [1, 2, 3, 4, 6])
def test_quick_decimal_text_is_the_decimal_quantized_text(places: int) -> None:
    quick = 0
    for value in _floats():
        text = quick_decimal_text(value, places)
        if text is None:
            continue
        quick += 1
        assert text == _decimal_text(Decimal(str(value)), places), (value, places)
    assert quick > 30_000


def test_a_tie_in_the_shortest_text_is_rounded_as_decimal_rounds_it() -> None:
    assert f"{2.675:.2f}" == "2.67"  # the float is below the tie: format alone would differ from the Decimal way
    assert quick_decimal_text(2.675, 2) == _decimal_text(Decimal("2.675"), 2) == "2.68"


def test_quick_decimal_text_declines_what_it_does_not_write() -> None:
    for value in (1e-5, 1e16, float("inf"), float("nan")):
        assert quick_decimal_text(value, 2) is None
    assert quick_decimal_text(3.7, 0) is None  # no fraction digits: int() truncates, the Decimal way does it


def test_unwritable_answers_as_the_search_on_every_code_point() -> None:
    for code in range(0x110000):
        character = chr(code)
        assert unwritable(f"<a>{character}</a>") is (_NOT_XML.search(character) is not None), hex(code)
    assert unwritable("<a>line\nbreak\tand tab\r</a>") is False  # unprintable yet allowed: searched
    assert unwritable("<a>\n\x01</a>") is True


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 8, 9, 100, 1000, 4097])
def test_pick_and_template_draw_as_choice_does(size: int) -> None:
    """The same values and the same rng state after them as ``rng.choice``, and any other rng asked itself."""
    pool = tuple(f"v{n}" for n in range(size))
    other = tuple(f"w{n}&" for n in range(3))
    single, double = Template(["<", ">"], [pool]), Template(["a", "-", "z"], [pool, other])
    for seed in range(40):
        fast, slow = random.Random(seed), random.Random(seed)
        assert [Pick(pool)(fast) for _ in range(5)] == [slow.choice(pool) for _ in range(5)]
        assert single(fast) == f"<{slow.choice(pool)}>"
        assert double(fast) == f"a{slow.choice(pool)}-{slow.choice(other)}z"
        assert fast.getstate() == slow.getstate()
    scripted = _Scripted([size - 1, 2])
    assert double(scripted) == f"a{pool[size - 1]}-{other[2]}z"  # type: ignore[arg-type]  # its own choice
    assert Template(["only"], [])(random.Random(1)) == "only"


class _OtherRandom(random.Random):
    """Not a ``random.Random`` itself: the drawers ask it."""


@pytest.mark.parametrize(
    "pattern",
    [r"[A-Za-z0-9]{18}", r"[a-z]{0}", r"x{0,1}", r"[0-9]{1,}", r"[ab]{2,3}[cd]*", r"\d{3,40}", r"(?:[A-Z]{2}-)+",
     r"[^@\s]{1,64}@[a-z]{2,3}", r"a{0,0}b", r"\w{5}"],
)  # fmt: skip
def test_repeated_picks_draw_as_regex_strings_does(pattern: str) -> None:
    drawer, generator = fast_drawer(pattern, 1000), regex_generator(pattern, 1000)
    assert drawer is not None and generator is not None
    for seed in range(100):
        for kind in (random.Random, _OtherRandom):
            fast, slow = kind(seed), random.Random(seed)
            assert drawer(fast) == generator(slow), (pattern, seed, kind)
            assert fast.getstate() == slow.getstate()
