"""The query language: what is read as words, phrases, exclusions and OR, and what is refused (400)."""

import pytest

from ipai_workos_search.query import parse
from workos.kernel.errors import InvalidInput


def test_words_phrases_exclusions_and_or():
    query = parse('roadmap "launch plan" -draft budget OR costs')
    assert [[term.text for term in group] for group in query.groups] == [["roadmap"], ["launch plan"], ["budget", "costs"]]
    assert query.groups[1][0].phrase
    assert [term.text for term in query.excluded] == ["draft"]


def test_only_the_last_bare_word_is_a_prefix():
    assert parse("quarterly rep").groups[-1][0].prefix
    assert not parse("quarterly rep ").groups[-1][0].prefix  # a finished word
    assert not parse('"quarterly rep"').groups[-1][0].prefix
    assert not parse("quarterly -rep").groups[0][0].prefix


def test_accents_typed_apart_read_like_accents_typed_together():
    assert parse("cafe\u0301").groups[0][0].text == parse("caf\u00e9").groups[0][0].text


@pytest.mark.parametrize("raw, message", [
    ("", "type something"),
    ("   ", "type something"),
    ("x" * 1001, "at most 1000"),
    ('"unclosed phrase', "quotation mark"),
    ("bad\x00byte", "NUL"),
    ("-only -exclusions", "not only what to leave out"),
    ("!!! ...", "no words"),
    (None, "type something"),
])
def test_bad_queries_are_refused_with_a_reason(raw, message):
    with pytest.raises(InvalidInput) as refused:
        parse(raw)
    assert message in refused.value.message
    assert refused.value.field == "q" and refused.value.status == 400
