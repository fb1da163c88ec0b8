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


def _named(measure: str, shortfalls: list[str]) -> int | None:
    """The shortfall the measure names, by position or by words only it holds."""
    match = _ORDINAL.search(measure)
    if match:
        n = _ordinal(match.group(1) or match.group(2))
        if n is not None and 1 <= n <= len(shortfalls):
            return n - 1
    match = _NAMED.search(measure)
    if match:
        words = match.group(1)
        for candidate in (words, *words.split("、")):
            holders = [i for i, text in enumerate(shortfalls) if candidate and candidate in text]
            if len(holders) == 1:
                return holders[0]
        wanted = _terms(words)
        scores = [len(wanted & _terms(text)) for text in shortfalls]
        best = max(scores, default=0)
        if best >= 2 and scores.count(best) == 1:
            return scores.index(best)
    return None


def link_measures(shortfalls: list[str], measures: list[str]) -> list[Link]:
    """One ``Link`` per measure, in order: the shortfall(s) it answers and whether that is sure."""
    if not shortfalls:
        return [Link((), True, "") for _ in measures]
    named = [_named(text, shortfalls) for text in measures]
    if any(n is not None for n in named):
        by_terms = _TermMatcher(shortfalls)
        return [
            Link((n,), True, "named") if n is not None else by_terms.link(m)
            for m, n in zip(measures, named, strict=True)
        ]
    if len(measures) == len(shortfalls):
        return [Link((i,), True, "order") for i in range(len(measures))]
    by_terms = _TermMatcher(shortfalls)
    return [by_terms.link(text) for text in measures]


class _TermMatcher:
    """The terms that stand in one shortfall only, read once for all the measures."""

    def __init__(self, shortfalls: list[str]):
        term_sets = [_terms(text) for text in shortfalls]
        # Terms that stand in more than one shortfall do not tell them apart.
        counts: dict[str, int] = {}
        for terms in term_sets:
            for term in terms:
                counts[term] = counts.get(term, 0) + 1
        self.own = [{t for t in terms if counts[t] == 1} for terms in term_sets]

    def link(self, measure: str) -> Link:
        mine = _terms(measure)
        scores = [len(mine & terms) for terms in self.own]
        ranked = sorted(scores, reverse=True)
        best = ranked[0]
        runner_up = ranked[1] if len(ranked) > 1 else 0
        if best >= MIN_SCORE and best > runner_up:
            return Link((scores.index(best),), True, "terms")
        return Link((), False, "")
