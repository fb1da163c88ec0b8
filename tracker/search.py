"""Free-text search over items' titles and source texts.

The meaning is substring match, and Latin letters match whatever their case (OFD finds ofd),
on SQLite and PostgreSQL alike. On PostgreSQL a search of two characters or more first
narrows the rows with the bigram GIN index of migration 0012, then checks the substring on
those rows only; a one-character search, and SQLite, scan the texts. Pieces holding a Latin
letter are left out of the index condition (the index keeps the case as written), and only
a search holding a Latin letter pays for case folding (ILIKE is 2-3x slower than LIKE).
"""

import contextlib
import re

from django.contrib.postgres.fields import ArrayField
from django.db import connection, models
from django.db.models import F, Func, Q

# More pieces than this add index work and hardly narrow further; the substring check
# afterwards keeps the answer exact whatever is left out.
MAX_BIGRAMS = 6


LATIN = re.compile("[A-Za-z]")


def bigrams(words: str) -> list[str]:
    """Distinct two-character pieces of ``words`` without a Latin letter, at most
    MAX_BIGRAMS, spread over the text."""
    pieces = list(dict.fromkeys(words[i : i + 2] for i in range(len(words) - 1)))
    pieces = [piece for piece in pieces if not LATIN.search(piece)]
    if len(pieces) <= MAX_BIGRAMS:
        return pieces
    step = (len(pieces) - 1) / (MAX_BIGRAMS - 1)
    return [pieces[round(i * step)] for i in range(MAX_BIGRAMS)]


class ItemBigrams(Func):
    """``ledger_bigrams(title, text)``: the indexed expression, written exactly as indexed."""

    function = "ledger_bigrams"
    output_field = ArrayField(models.TextField())


def search_items(items, words: str, *, use_index: bool = True):
    """``items`` narrowed to those whose title or source text contains ``words``.

    ``use_index`` False leaves the bigram condition out (same rows): for a query that walks
    another index and stops early, where testing the condition row by row would cost more
    than it saves (the function behind it takes about 0.1 ms a row when not read from the
    index)."""
    lookup = "icontains" if LATIN.search(words) else "contains"
    matches = items.filter(Q(**{f"title__{lookup}": words}) | Q(**{f"text__{lookup}": words}))
    pieces = bigrams(words)
    if use_index and pieces and connection.vendor == "postgresql":
        matches = matches.alias(search_bigrams=ItemBigrams(F("title"), F("text"))).filter(
            search_bigrams__contains=pieces
        )
    return matches


BIGRAM_INDEX = "item_bigrams_idx"
CREATE_BIGRAM_INDEX = (
    f"CREATE INDEX IF NOT EXISTS {BIGRAM_INDEX} ON tracker_item USING gin (ledger_bigrams(title, text))"
)


@contextlib.contextmanager
def bigram_index_set_aside():
    """For bulk loads on PostgreSQL: the bigram index is dropped for the block and built once
    at its end (about six times faster than keeping it up to date row by row). Inside a
    transaction (a test) the index stays: PostgreSQL cannot build it there."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {BIGRAM_INDEX}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(CREATE_BIGRAM_INDEX)
