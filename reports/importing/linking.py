"""Which shortfall(s) each measure answers, told from the text one by one.

A report's closing section lists problems, then what to do about them. A measure is linked to
the shortfall it answers when the text lets that be told, in this order:

1. it names one: 针对第一个问题 / 针对问题二 / 针对“队伍建设”问题 (the quoted words stand in
   exactly one shortfall);
2. the measures and shortfalls come in the same number: the first answers the first, and so on;
3. it shares key terms with exactly one shortfall clearly more than with any other: two-character
   terms that stand in one shortfall only (terms every shortfall shares tell nothing).

Otherwise it is left unlinked and ``sure`` is False: a reviewer links it by hand.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

CN_ORDINALS = "一二三四五六七八九十"
# 针对第一个问题 / 针对问题二 / 针对第2项问题: the n-th shortfall.
_ORDINAL = re.compile(
    rf"针对(?:第([{CN_ORDINALS}\d]{{1,2}})[个项条方面点]?问题|问题([{CN_ORDINALS}\d]{{1,2}}))"
)
# 针对“队伍建设”问题 / 针对队伍建设不强的问题: the words before 问题.
_NAMED = re.compile(r"针对[“\"「]?([^，,。；;“”\"「」]{2,30}?)[”\"」]?(?:的)?(?:问题|不足|短板)")
_NOT_CJK = re.compile(r"[^\u4e00-\u9fff]+")
# Brackets and quotes stand inside words (乡(镇)政府, “一村一法律顾问”): dropped, not split at.
_INSIDE_WORDS = re.compile(r"[()（）“”‘’\"'「」《》]")
# Numbering (一是, （二）) is not a term.
_NUMBERING = re.compile(rf"[{CN_ORDINALS}]{{1,2}}是|[（(][{CN_ORDINALS}\d]{{1,2}}[)）]")
# Terms so common in these reports that sharing them tells nothing.
_COMMON = frozenset(
    [
        "工作",
        "法治",
        "政府",
        "建设",
        "依法",
        "行政",
        "加强",
        "进一步",
        "提高",
        "推进",
        "开展",
        "落实",
        "部门",
        "单位",
        "各级",
        "有关",
        "相关",
        "问题",
        "不足",
        "存在",
        "要求",
        "全面",
        "重视",
        "完善",
        "制度",
        "机制",
        "要把",
        "确保",
    ]
)
# Shared terms needed, and the best shortfall must share more than any other.
MIN_SCORE = 2
# A measure's named words are looked for in every shortfall: a report states a handful of each,
# a text with more pairs than this is no report's problems and plans (thousands of each would
# cost minutes). Its measures are linked by number (针对第一个问题), order or terms only.
MAX_PAIRS = 10_000
_SEPARATOR = "\x00"  # between the shortfalls' texts when joined (cleaning drops it from a report)


@dataclass(frozen=True)
class Link:
    shortfalls: tuple[int, ...]  # indices into the shortfalls given
    sure: bool
    reason: str  # "named", "order", "terms" or "" (not told)


def _terms(text: str) -> set[str]:
    """The two-character terms of ``text``'s Chinese runs, without the common ones."""
    terms: set[str] = set()
    for run in _NOT_CJK.split(_INSIDE_WORDS.sub("", _NUMBERING.sub("，", text))):
        terms.update(run[i : i + 2] for i in range(len(run) - 1))
    return terms - _COMMON


def _ordinal(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    if token in CN_ORDINALS:
        return CN_ORDINALS.index(token) + 1
    if token.startswith("十") and len(token) == 2:
        return 10 + CN_ORDINALS.index(token[1]) + 1
    return None


def _named(measure: str, shortfalls: _Shortfalls, *, by_words: bool = True) -> int | None:
    """The shortfall the measure names, by position or by words only it holds."""
    match = _ORDINAL.search(measure)
    if match:
        n = _ordinal(match.group(1) or match.group(2))
        if n is not None and 1 <= n <= len(shortfalls.texts):
            return n - 1
    match = _NAMED.search(measure) if by_words else None
    if match:
        words = match.group(1)
        for candidate in (words, *words.split("、")):
            holder = shortfalls.only_holder(candidate)
            if holder is not None:
                return holder
        scores = shortfalls.shared_terms(_terms(words))
        best = max(scores.values(), default=0)
        if best >= 2 and list(scores.values()).count(best) == 1:
            return min(i for i, score in scores.items() if score == best)
    return None


def link_measures(shortfalls: list[str], measures: list[str]) -> list[Link]:
    """One ``Link`` per measure, in order: the shortfall(s) it answers and whether that is sure."""
    if not shortfalls:
        return [Link((), True, "") for _ in measures]
    read = _Shortfalls(shortfalls)
    by_words = len(shortfalls) * len(measures) <= MAX_PAIRS
    named = [_named(text, read, by_words=by_words) for text in measures]
    if any(n is not None for n in named):
        return [
            Link((n,), True, "named") if n is not None else read.link(m)
            for m, n in zip(measures, named, strict=True)
        ]
    if len(measures) == len(shortfalls):
        return [Link((i,), True, "order") for i in range(len(measures))]
    return [read.link(text) for text in measures]


class _Shortfalls:
    """The shortfalls, read once for all the measures: which holds a term (and which terms stand
    in one shortfall only), and their texts joined to find words in. Each measure then costs the
    shortfalls that share its terms, not all of them."""

    def __init__(self, shortfalls: list[str]):
        self.texts = shortfalls
        self.holding: dict[str, list[int]] = {}  # term → the shortfalls holding it, in order
        for i, text in enumerate(shortfalls):
            for term in _terms(text):
                self.holding.setdefault(term, []).append(i)
        # Terms that stand in more than one shortfall do not tell them apart.
        self.owner = {term: held[0] for term, held in self.holding.items() if len(held) == 1}
        self.joined = _SEPARATOR.join(shortfalls)
        self.starts = []
        position = 0
        for text in shortfalls:
            self.starts.append(position)
            position += len(text) + 1

    def only_holder(self, words: str) -> int | None:
        """The one shortfall whose text holds ``words``; None when none or several do."""
        if not words:
            return None
        if _SEPARATOR in words:  # pragma: no cover - item texts never hold it
            holders = [i for i, text in enumerate(self.texts) if words in text]
            return holders[0] if len(holders) == 1 else None
        found = self.joined.find(words)
        if found < 0:
            return None
        holder = bisect_right(self.starts, found) - 1
        after = self.starts[holder + 1] if holder + 1 < len(self.starts) else len(self.joined)
        return holder if self.joined.find(words, after) < 0 else None

    def shared_terms(self, terms: set[str]) -> dict[int, int]:
        """How many of ``terms`` each shortfall holds (only those holding one at least)."""
        scores: dict[int, int] = {}
        for term in terms:
            for i in self.holding.get(term, ()):
                scores[i] = scores.get(i, 0) + 1
        return scores

    def link(self, measure: str) -> Link:
        """By terms: the shortfall holding clearly more of the measure's own-shortfall terms."""
        scores: dict[int, int] = {}
        for term in _terms(measure):
            if term in self.owner:
                scores[self.owner[term]] = scores.get(self.owner[term], 0) + 1
        ranked = sorted(scores.values(), reverse=True)
        best = ranked[0] if ranked else 0
        runner_up = ranked[1] if len(ranked) > 1 else 0
        if best >= MIN_SCORE and best > runner_up:
            return Link((min(i for i, score in scores.items() if score == best),), True, "terms")
        return Link((), False, "")
