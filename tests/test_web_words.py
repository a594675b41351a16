"""The page's words: every one in both languages, and French when the browser prefers it."""

from __future__ import annotations

import pytest

from allocator.web.words import _WORDS, choose_lang, words


def test_every_word_is_in_english_and_in_french():
    assert _WORDS["en"].keys() == _WORDS["fr"].keys()
    assert words("fr")["round"] == "Tour"  # the library's labels, as plan.html uses them


@pytest.mark.parametrize(
    ("cookie", "header", "lang"),
    [
        (None, "fr-BE,fr;q=0.9,en;q=0.8", "fr"),
        (None, "en-GB,en;q=0.9,fr;q=0.8", "en"),
        (None, "de-DE,fr;q=0.7,en;q=0.5", "fr"),
        (None, "", "en"),
        (None, "fr;q=bad,en", "en"),
        ("en", "fr", "en"),
        ("xx", "fr", "fr"),
    ],
)
def test_the_switch_then_the_browser_choose_the_language(cookie, header, lang):
    assert choose_lang(cookie, header) == lang
