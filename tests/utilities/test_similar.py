"""Grouping by similar wording (utilities/similar.py): the prefix filter finds exactly the
groups that comparing every leader finds, and the measure behaves as its docstring says."""

import random

import pytest

from utilities.similar import bigrams, dice, group_similar, group_similar_slowly


def test_bigrams_and_dice():
    assert bigrams("执法人员") == {"执法", "法人", "人员"}
    assert bigrams("法") == {"法"} and bigrams("") == frozenset()
    assert dice(bigrams("执法人员"), bigrams("执法人员")) == 1
    assert dice(bigrams("执法"), bigrams("审查")) == 0
    assert dice(frozenset(), frozenset()) == 0


@pytest.mark.parametrize("threshold", [0.5, 0.7, 0.9])
@pytest.mark.parametrize("seed", range(5))
def test_the_prefix_filter_groups_as_comparing_every_leader_does(seed, threshold):
    """Texts drawn from a few characters, so that many pairs sit near the threshold."""
    rng = random.Random(seed)
    base = ["行政执法人员素质", "规范性文件审查", "依法行政意识", "政务公开"]
    texts = []
    for _ in range(300):
        text = list(rng.choice(base))
        for _ in range(rng.randint(0, 3)):
            text.insert(rng.randrange(len(text) + 1), rng.choice("法治政府执行监督审查"))
        texts.append("".join(text[: rng.randint(1, len(text))]))
    texts.append("")
    fast = group_similar(texts, threshold=threshold)
    assert fast == group_similar_slowly(texts, threshold=threshold)
    assert sorted(i for group in fast for i in group) == list(range(len(texts)))
