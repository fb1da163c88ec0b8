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

Cost: one set intersection (C code) per text and leader: 1,000 texts of 20 characters in a
few hundred leaders take well under a second (``bench/rollup_bench.py`` prints the figure).
"""

from __future__ import annotations

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
    normalizes to nothing is a group of its own."""
    leaders: list[tuple[frozenset[str], int]] = []  # (bigrams, size) of each group's leader
    groups: list[list[int]] = []
    for index, text in enumerate(texts):
        grams = bigrams(normalize(text))
        size = len(grams)
        best, best_score = -1, threshold
        if size:
            for number, (leader, leader_size) in enumerate(leaders):
                # Dice is at most 2·min ÷ (sum): sizes too far apart cannot reach it.
                if 2 * min(size, leader_size) < threshold * (size + leader_size):
                    continue
                score = 2 * len(grams & leader) / (size + leader_size)
                if score >= best_score and (best < 0 or score > best_score):
                    best, best_score = number, score
        if best >= 0:
            groups[best].append(index)
        else:
            leaders.append((grams, size))
            groups.append([index])
    return groups
