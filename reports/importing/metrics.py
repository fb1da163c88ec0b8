"""Metrics: every quantity with its unit of measure, as Decimal, approximate when 余/近/约/以上.

Dates (2020年, 10 月 28 日), document numbers (〔2020〕12号), ordinals (第3次) and anything
inside a title in 《》 are not metrics.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from decimal import Decimal, InvalidOperation

from .model import Metric

MAX_VALUE = Decimal(10) ** 15  # no figure in a report is this large

UNITS = [
    "万人次", "万人", "万元", "亿元", "万件", "万份", "万户", "万册", "万亩", "平方米", "公里", "千米",
    "人次", "场次", "件次", "户次", "小时", "分钟", "个", "项", "件", "次", "名", "起", "份", "条", "家",
    "人", "元", "场", "期", "批", "篇", "部", "所", "户", "处", "台", "套", "座", "宗", "位", "种", "类",
    "轮", "天", "亩", "吨", "本", "册", "%", "％",
]  # fmt: skip
_UNIT_ALT = "|".join(re.escape(unit) for unit in sorted(UNITS, key=len, reverse=True))
QUANTITY = re.compile(
    r"(?P<pre>近|约|逾|超过|多于)?"
    r"(?<![\d.．A-Za-z第])"
    # Thousands groups bounded: a long run of ",234" is tried from each of its commas.
    r"(?P<num>\d{1,3}(?:,\d{3}){1,6}(?:\.\d+)?|\d+(?:[.．]\d+)?)"
    r"[ \u3000]?(?P<suf>余|多)?[ \u3000]?"
    rf"(?P<unit>{_UNIT_ALT})"
    r"(?P<post>以上|左右|余|多)?"
)
_PROTECTED = re.compile(r"《[^》\n]{0,100}》|〔[^〕\n]{0,20}〕|\[\d{4}\]|［\d{4}］")
_CLAUSE_BREAK = re.compile(r"[。；;，,：:！!？?\n]")
APPROXIMATE_PREFIXES = {"近", "约", "逾", "超过", "多于"}


def extract_metrics(text: str) -> list[Metric]:
    """All metrics in ``text``, in order, with offsets relative to ``text``. Linear in its length:
    protected spans and clause breaks are read once, each clause's label made once."""
    metrics: list[Metric] = []
    protected: list[tuple[int, int]] | None = None  # read at the first quantity
    protected_starts: list[int] = []
    breaks: list[int] = []
    labels: dict[tuple[int, int], str] = {}
    for match in QUANTITY.finditer(text):
        if protected is None:
            protected = [(m.start(), m.end()) for m in _PROTECTED.finditer(text)]
            protected_starts = [a for a, _ in protected]
            breaks = [m.start() for m in _CLAUSE_BREAK.finditer(text)]
        start = match.start("num")
        at = bisect_right(protected_starts, start) - 1
        if at >= 0 and start < protected[at][1]:
            continue
        try:
            value = Decimal(match.group("num").replace(",", "").replace("．", "."))
        except InvalidOperation:  # pragma: no cover - the pattern only admits numbers
            continue
        if value >= MAX_VALUE:
            continue  # no real figure; the ledger stores 16 integer digits (numeric(20, 4))
        unit = "%" if match.group("unit") == "％" else match.group("unit")
        approximate = bool(match.group("pre") or match.group("suf") or match.group("post"))
        clause = _clause(text, breaks, match.start(), match.end())
        if clause not in labels:
            labels[clause] = text[clause[0] : clause[1]].strip()[:300]
        metrics.append(
            Metric(
                label=labels[clause],
                value=value,
                unit=unit,
                approximate=approximate,
                start=match.start(),
                end=match.end(),
            )
        )
    return metrics


def _clause(text: str, breaks: list[int], start: int, end: int) -> tuple[int, int]:
    """The span of the clause (between punctuation marks or line breaks) holding text[start:end],
    given the offsets of every break."""
    before = bisect_left(breaks, start)
    left = breaks[before - 1] + 1 if before else 0
    after = bisect_left(breaks, end)
    return left, breaks[after] if after < len(breaks) else len(text)
