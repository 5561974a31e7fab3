"""The query language people know from web search engines (PostgreSQL's ``websearch_to_tsquery``): words,
``"exact phrase"``, ``-excluded``, ``OR``; parsed once here and turned into each database's own syntax by
``backends.py``, so that both databases read a query the same way and bad input is refused before any SQL.

Words next to each other must all match; ``OR`` joins the word or phrase on each side of it (``a b OR c`` is
``a AND (b OR c)``); ``-word`` or ``-"a phrase"`` excludes. While people type, the last word is a prefix
(``proj`` finds ``project``), unless it is quoted or excluded, or the query ends with a space.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from workos.kernel.errors import InvalidInput

class BadSearch(InvalidInput):
    """A search that cannot be run as asked: 400, naming the parameter (the project's other input errors are
    422; a search box's text is not a form field to correct, it is a bad request)."""

    status, code = 400, "bad_request"


QUERY_MAX = 1000  # characters
TERMS_MAX = 32

WORD = re.compile(r"\w+", re.UNICODE)


def normalise(text: str) -> str:
    """NFC, so that a word typed with combining accents (NFD) finds the same word stored precomposed."""
    return unicodedata.normalize("NFC", text)


def words_of(text: str) -> list[str]:
    """The words of ``text`` as both databases' tokenizers see them: runs of letters and digits."""
    return WORD.findall(text)


@dataclass(frozen=True)
class Term:
    text: str  # the words, space-separated
    phrase: bool = False
    prefix: bool = False  # the last word is a prefix


@dataclass
class Query:
    """``groups``: every group must match; a group matches when one of its terms does. ``excluded``: terms that
    must not match."""

    raw: str
    groups: list[list[Term]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)

    @property
    def words(self) -> list[str]:
        """Every positive word, for highlighting and finding the block that matched."""
        return [word for group in self.groups for term in group for word in term.text.split()]

    @property
    def plain_words(self) -> list[str] | None:
        """The words when the query is only plain words (no phrase, OR or exclusion), else None."""
        if self.excluded or any(len(group) != 1 or group[0].phrase for group in self.groups):
            return None
        return [group[0].text for group in self.groups]


def _tokens(text: str) -> list[tuple[str, str, bool]]:
    """(kind, text, negated) with kind word, phrase or or."""
    tokens: list[tuple[str, str, bool]] = []
    position, length = 0, len(text)
    while position < length:
        char = text[position]
        if char.isspace():
            position += 1
            continue
        negated = False
        if char == "-" and position + 1 < length and not text[position + 1].isspace():
            negated, position = True, position + 1
            char = text[position]
        if char == '"':
            end = text.find('"', position + 1)
            if end < 0:
                raise BadSearch("a quotation mark is not closed: put a \" at the end of the phrase", field="q")
            tokens.append(("phrase", text[position + 1:end], negated))
            position = end + 1
            continue
        end = position
        while end < length and not text[end].isspace() and text[end] != '"':
            end += 1
        word = text[position:end]
        position = end
        if word == "OR" and not negated:
            tokens.append(("or", word, False))
        else:
            tokens.append(("word", word, negated))
    return tokens


def parse(raw) -> Query:
    """Parse a search box's text; InvalidInput (400) for what cannot be searched, saying why."""
    if not isinstance(raw, str) or not raw.strip():
        raise BadSearch("type something to search for", field="q")
    if len(raw) > QUERY_MAX:
        raise BadSearch(f"a search is at most {QUERY_MAX} characters", field="q")
    if "\x00" in raw:
        raise BadSearch("a search must not contain NUL characters", field="q")
    text = normalise(raw)
    ends_in_word = not text[-1].isspace() and text[-1] != '"'
    query = Query(raw=raw)
    pending_or = False
    tokens = _tokens(text)
    last_positive = max((index for index, token in enumerate(tokens) if token[0] != "or" and not token[2]), default=-1)
    for index, (kind, value, negated) in enumerate(tokens):
        if kind == "or":
            pending_or = bool(query.groups)
            continue
        words = words_of(value)
        if not words:
            continue  # punctuation only: nothing either database would index
        term = Term(" ".join(words), phrase=kind == "phrase" and len(words) > 1,
                    prefix=kind == "word" and index == last_positive == len(tokens) - 1 and ends_in_word)
        if negated:
            query.excluded.append(term)
        elif pending_or:
            query.groups[-1].append(term)
        else:
            query.groups.append([term])
        pending_or = False
    if not query.groups:
        if query.excluded:
            raise BadSearch("say what to look for, not only what to leave out", field="q")
        raise BadSearch("the search has no words to look for", field="q")
    if sum(len(group) for group in query.groups) + len(query.excluded) > TERMS_MAX:
        raise BadSearch(f"a search has at most {TERMS_MAX} words and phrases", field="q")
    return query
