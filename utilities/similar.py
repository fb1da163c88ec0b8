"""Grouping short texts by similar wording: character bigrams, Dice coefficient, greedy clusters.

Domain-free: the caller says how a text is normalized (what words carry no meaning, which
words mean the same); this module only compares what it is given.

The method, chosen for Chinese sentences of ten to forty characters, with no internet, no
model and no dependency:

1. each (normalized) text becomes the set of its character bigrams ("执法人员" → 执法, 法人,
   人员); a text of one character is its own single "bigram";
2. two texts are similar when the Dice coefficient of their sets,
   2·|A∩B| ÷ (|A| + |B|), reaches ``threshold`` (0.7 by default);
3. greedy clustering, in the order given: each text joins the group whose first text (its
   leader) it is most similar to, if that reaches the threshold; otherwise it leads a group
   of its own. Leaders only are compared, so a group never drifts away from its first
   wording through a chain of near neighbours.

Cost: a text is compared (one set intersection) only with the leaders a prefix filter
finds (``group_similar``); 1,000 shortfalls take tens of milliseconds, even when nothing is
alike and each leads a group of its own (``bench/rollup_bench.py`` prints the figures).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

DEFAULT_THRESHOLD = 0.7


def bigrams(text: str) -> frozenset[str]:
    """The character bigrams of ``text`` (a single character: itself; empty: none)."""
    if len(text) < 2:
        return frozenset([text]) if text else frozenset()
    return frozenset(text[i : i + 2] for i in range(len(text) - 1))


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    """2·|a∩b| ÷ (|a| + |b|): 1 for the same bigrams, 0 for none shared (or both empty)."""
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def similarity(a: str, b: str, normalize: Callable[[str], str] = str) -> float:
    """The Dice coefficient of two texts' bigrams after ``normalize``."""
    return dice(bigrams(normalize(a)), bigrams(normalize(b)))


def group_similar(
    texts: Sequence[str],
    *,
    normalize: Callable[[str], str] = str,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[list[int]]:
    """Indexes of ``texts`` in groups of similar wording (see the module's docstring), each
    group in the order given, the groups in the order of their first text. A text that
    normalizes to nothing is a group of its own.

    Only the leaders that can reach the threshold are compared (a prefix filter, as in
    set-similarity joins): bigrams are ranked rarest first over all the texts; Dice ≥ t means
    Jaccard ≥ j = t ÷ (2 − t), so two sets that reach it share at least ⌈j·|A|⌉ bigrams, and
    then one of the |A| − ⌈j·|A|⌉ + 1 rarest of A is among the |B| − ⌈j·|B|⌉ + 1 rarest of
    B. The leaders are indexed by their rarest bigrams; a text is compared with the leaders
    one of its own rarest bigrams finds. The groups are the same as comparing every leader."""
    sets = [bigrams(normalize(text)) for text in texts]
    frequency: dict[str, int] = {}
    for grams in sets:
        for gram in grams:
            frequency[gram] = frequency.get(gram, 0) + 1
    jaccard = threshold / (2 - threshold)

    def prefix(grams: frozenset[str]) -> list[str]:
        ranked = sorted(grams, key=lambda gram: (frequency[gram], gram))
        return ranked[: len(ranked) - math.ceil(jaccard * len(ranked) - 1e-9) + 1]

    leaders: list[frozenset[str]] = []
    index: dict[str, list[int]] = {}  # bigram → leaders whose prefix holds it
    groups: list[list[int]] = []
    for number, grams in enumerate(sets):
        size = len(grams)
        best, best_score = -1, threshold
        if size:
            first = prefix(grams)
            candidates = sorted({leader for gram in first for leader in index.get(gram, ())})
            for leader in candidates:
                other = leaders[leader]
                score = 2 * len(grams & other) / (size + len(other))
                if score >= best_score and (best < 0 or score > best_score):
                    best, best_score = leader, score
        if best >= 0:
            groups[best].append(number)
            continue
        leaders.append(grams)
        groups.append([number])
        if size:
            for gram in first:
                index.setdefault(gram, []).append(len(leaders) - 1)
    return groups


def group_similar_slowly(
    texts: Sequence[str],
    *,
    normalize: Callable[[str], str] = str,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[list[int]]:
    """``group_similar`` comparing each text with every leader: the definition the fast one
    must agree with (tests and the benchmark compare them)."""
    leaders: list[frozenset[str]] = []
    groups: list[list[int]] = []
    for number, text in enumerate(texts):
        grams = bigrams(normalize(text))
        best, best_score = -1, threshold
        for leader, other in enumerate(leaders):
            score = dice(grams, other)
            if score >= best_score and (best < 0 or score > best_score):
                best, best_score = leader, score
        if best >= 0:
            groups[best].append(number)
        else:
            leaders.append(grams)
            groups.append([number])
    return groups
