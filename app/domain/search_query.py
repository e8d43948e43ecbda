"""What a person typed in the search box, read the way web search engines read it.

PostgreSQL parses this itself (`websearch_to_tsquery`); SQLite's FTS5 has a stricter syntax in
which a stray quote or a word like NEAR is an error, so we parse the same rules here and hand
FTS5 only quoted strings it cannot misread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
# Punctuation that FTS5 would treat as a token separator anyway; dropped so "word," matches.
_EDGE = re.compile(r"^\W+|\W+$")


@dataclass(frozen=True)
class SearchQuery:
    """Groups are ANDed; the phrases inside one group are alternatives (OR)."""

    groups: tuple[tuple[str, ...], ...]
    excluded: tuple[str, ...]
    # The words in the order typed, when there is more than one and no OR: the whole query as
    # one phrase, which ranks above the same words scattered (see app/search).
    phrase: str | None

    @property
    def empty(self) -> bool:
        return not self.groups


def parse(text: str) -> SearchQuery:
    """Words are all required, "quoted words" are a phrase, `or` offers a choice, -word excludes."""
    groups: list[list[str]] = []
    excluded: list[str] = []
    join_next = False
    any_or = False
    for match in _TOKEN.finditer(text):
        negated, quoted, bare = match.group(1), match.group(2), match.group(3)
        if quoted is not None:
            term = " ".join(quoted.split())
        else:
            if bare.lower() == "or" and groups:
                join_next = any_or = True
                continue
            negated = "-" if bare.startswith("-") else ""
            term = _EDGE.sub("", bare)
        if not term:
            continue
        if negated:
            excluded.append(term)
            join_next = False
        elif join_next:
            groups[-1].append(term)
            join_next = False
        else:
            groups.append([term])
    words = [w for group in groups for term in group for w in term.split()]
    phrase = " ".join(words) if len(words) > 1 and not any_or else None
    return SearchQuery(tuple(tuple(g) for g in groups), tuple(excluded), phrase)


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def fts5_expression(query: SearchQuery) -> str:
    """The query in FTS5's syntax, every term quoted so none is read as an operator."""
    parts = []
    for group in query.groups:
        alternatives = " OR ".join(_quoted(t) for t in group)
        parts.append(f"({alternatives})" if len(group) > 1 else alternatives)
    expression = " AND ".join(parts)
    for term in query.excluded:
        expression = f"({expression}) NOT {_quoted(term)}"
    return expression


# Words too common to say what a problem is about; the rest of a problem becomes the query.
_COMMON = frozenset(
    [
        "about",
        "after",
        "again",
        "also",
        "although",
        "always",
        "among",
        "and",
        "another",
        "any",
        "are",
        "because",
        "been",
        "before",
        "being",
        "between",
        "both",
        "but",
        "can",
        "cannot",
        "could",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "even",
        "every",
        "from",
        "further",
        "have",
        "having",
        "here",
        "how",
        "into",
        "its",
        "just",
        "know",
        "like",
        "made",
        "make",
        "many",
        "more",
        "most",
        "much",
        "must",
        "need",
        "never",
        "not",
        "now",
        "only",
        "other",
        "our",
        "out",
        "over",
        "own",
        "same",
        "should",
        "since",
        "some",
        "still",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "too",
        "under",
        "until",
        "very",
        "want",
        "was",
        "way",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "why",
        "will",
        "with",
        "within",
        "without",
        "would",
        "year",
        "years",
        "you",
        "your",
    ]
)
_WORD = re.compile(r"[^\W\d_][\w'-]*")


def similar_to(text: str, *, most: int = 12) -> str:
    """A query for peer assists like this text: its telling words, any of them (OR), so a
    problem told in a paragraph still finds one that shares only some of its words."""
    words: list[str] = []
    for word in _WORD.findall(text.lower()):
        if len(word) >= 4 and word not in _COMMON and word not in words:
            words.append(word)
    return " or ".join(words[:most])
