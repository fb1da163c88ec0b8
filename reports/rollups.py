"""The roll-up of a supervisor (a city's or a province's 依法治市办): the governments directly
below the government in view, compared for one year, and the year's shortfalls of all the
governments below it grouped by similar wording (issue 19).

Decided here:

- a row's figures are the government's own year, exactly the dashboard's of that government
  (``scoreboard.year_figures(government=...)``): its items of the year, tracked work only; a
  county's townships have rows of their own one level down (the county's row leads there);
- the report of the year is *filed* when the government has a report of that year in the
  ledger; it is *published on time* when its ``published_on`` is on or before 1 April of the
  next year, *late* when after, and *not yet* when it has no date;
- the unit grades count the government's unit ratings of that year (优 / 良 / 中);
- the rows are ordered most behind first: more overdue items first, then lower completion
  rate, then lower on-time rate (a government with no rate, nothing tracked, after those with
  one among as many overdue items: "—" is not a failure, as on the scoreboard), then name;
- the whole comparison is four queries however many governments there are (the governments,
  the items' counts grouped by government, the reports, the ratings), cached under the
  ledger's version like the dashboard's figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Exists, OuterRef

from tracker.choices import Grade, ItemKind
from tracker.ledger_cache import cached
from tracker.models import Government, Item
from tracker.selectors import today
from utilities.similar import DEFAULT_THRESHOLD, group_similar

from .models import AnnualReport, UnitRating
from .scoreboard import Figures, _counts

# The day of the following year by which a year's report is due (法治政府建设年度报告: by
# the end of the first quarter, made public by 1 April).
DUE_MONTH_DAY = (4, 1)

ON_TIME, LATE, NOT_YET = "on_time", "late", "not_yet"


def report_due_on(year: int) -> date:
    """The day the report of ``year`` is due: 1 April of the next year."""
    return date(year + 1, *DUE_MONTH_DAY)


def publication_state(year: int, published_on: date | None) -> str:
    """``ON_TIME``, ``LATE`` or ``NOT_YET`` for a report of ``year`` published on ``published_on``."""
    if published_on is None:
        return NOT_YET
    return ON_TIME if published_on <= report_due_on(year) else LATE


@dataclass
class RollupRow:
    government: Government
    figures: Figures
    # The government's report of the year: None when it has none (not filed).
    report_id: int | None = None
    published_on: date | None = None
    publication: str = NOT_YET
    grades: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Grade.values, 0))
    has_children: bool = False

    @property
    def filed(self) -> bool:
        return self.report_id is not None

    @property
    def shortfalls_open(self) -> int:
        """The year's shortfalls not closed out."""
        return self.figures.shortfalls - self.figures.shortfalls_done

    def sort_key(self):
        """Most behind first (see the module's docstring)."""
        f = self.figures

        def lower_first(rate):
            return (1, 0) if rate is None else (0, rate)

        return (-f.overdue, lower_first(f.completion_rate), lower_first(f.on_time_rate), self.government.name)


@dataclass
class Rollup:
    parent: Government
    year: int
    rows: list[RollupRow]
    totals: RollupRow


def children_of(parent: Government):
    """The governments directly below ``parent``, each with ``has_children``."""
    return Government.objects.filter(parent=parent).annotate(
        below=Exists(Government.objects.filter(parent_id=OuterRef("pk")))
    )


def rollup_years(parent: Government) -> list[int]:
    """The years of the reports of the governments below ``parent`` (at any depth), newest
    first. One query."""
    return list(
        AnnualReport.objects.filter(government__path__startswith=parent.path)
        .exclude(government=parent)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )


def _build(parent_id: int, year: int, on: date) -> Rollup:
    parent = Government.objects.get(pk=parent_id)
    governments = list(children_of(parent).order_by("path", "pk"))
    ids = [government.pk for government in governments]
    counts = {
        row["report__government_id"]: Figures.from_row(row)
        for row in Item.objects.filter(year=year, report__government_id__in=ids)
        .order_by()
        .values("report__government_id")
        .annotate(**_counts(on))
    }
    reports = {
        government_id: (pk, published_on)
        for pk, government_id, published_on in AnnualReport.objects.filter(
            year=year, government_id__in=ids
        ).values_list("pk", "government_id", "published_on")
    }
    grades: dict[int, dict[str, int]] = {}
    for government_id, grade, n in (
        UnitRating.objects.filter(report__year=year, report__government_id__in=ids)
        .order_by()
        .values_list("report__government_id", "grade")
        .annotate(n=Count("pk"))
    ):
        grades.setdefault(government_id, dict.fromkeys(Grade.values, 0))[grade] = n
    rows = []
    for government in governments:
        report_id, published_on = reports.get(government.pk, (None, None))
        rows.append(
            RollupRow(
                government=government,
                figures=counts.get(government.pk, Figures()),
                report_id=report_id,
                published_on=published_on,
                publication=publication_state(year, published_on),
                grades=grades.get(government.pk, dict.fromkeys(Grade.values, 0)),
                has_children=government.below,
            )
        )
    rows.sort(key=RollupRow.sort_key)
    totals = RollupRow(
        government=parent,
        figures=sum((row.figures for row in rows), Figures()),
        grades={grade: sum(row.grades[grade] for row in rows) for grade in Grade.values},
    )
    return Rollup(parent=parent, year=year, rows=rows, totals=totals)


def rollup(*, parent: Government, year: int, on: date | None = None) -> Rollup:
    """The comparison of the governments directly below ``parent`` for ``year`` (the caller
    has checked that the person sees ``parent``: everything below it is his). Four queries,
    cached until the ledger changes."""
    on = on or today()
    return cached("rollup", parent.pk, year, on, build=lambda: _build(parent.pk, year, on))


def filed_count(result: Rollup) -> int:
    return sum(1 for row in result.rows if row.filed)


def on_time_count(result: Rollup) -> int:
    return sum(1 for row in result.rows if row.publication == ON_TIME)


# Recurring shortfalls ---------------------------------------------------------------------

# Numbering a report puts before a problem: 一是 / （一）/ 1. / 二、
_NUMBERING = re.compile(r"^\s*(?:[（(]?[一二三四五六七八九十\d]+[)）、.．]|[一二三四五六七八九十]+是)\s*")
# A short note in brackets: 乡(镇), （示例）.
_BRACKETED = re.compile(r"[（(][^）)]{0,4}[）)]")
# Words that carry no meaning of their own in a report's problems, longest first.
_FILLERS = (
    "有待进一步",
    "还有待",
    "有待于",
    "有待",
    "进一步",
    "仍需",
    "仍然",
    "还需",
    "尚需",
    "亟待",
    "亟需",
    "需要",
    "不断",
    "存在",
    "一些",
    "部分",
    "个别",
    "较为",
    "比较",
    "方面",
    "等",
    "的",
    "还",
    "仍",
    "尚",
)
# Words that mean the same in them.
_SAME = {"提升": "提高", "队伍": "人员", "增强": "加强"}
_NOT_WORDS = re.compile(r"[\W_]+")


def normalize_shortfall(text: str) -> str:
    """A shortfall's wording reduced to what tells it apart: no numbering, short notes in
    brackets, punctuation or filler words, one word for each set of synonyms."""
    text = _NUMBERING.sub("", text)
    text = _BRACKETED.sub("", text)
    text = _NOT_WORDS.sub("", text)
    for word, same in _SAME.items():
        text = text.replace(word, same)
    for filler in _FILLERS:
        text = text.replace(filler, "")
    return text


@dataclass
class ShortfallGroup:
    label: str  # the first shortfall's wording
    # (government, [(item id, title), ...]) in tree order
    governments: list[tuple[Government, list[tuple[int, str]]]]

    @property
    def government_count(self) -> int:
        return len(self.governments)

    @property
    def item_count(self) -> int:
        return sum(len(items) for _government, items in self.governments)


def _shortfall_groups(parent_id: int, year: int, threshold: float) -> list[ShortfallGroup]:
    parent = Government.objects.get(pk=parent_id)
    below = Government.objects.filter(path__startswith=parent.path).exclude(pk=parent.pk)
    governments = {government.pk: government for government in below.order_by("path", "pk")}
    rows = list(
        Item.objects.filter(year=year, kind=ItemKind.SHORTFALL, report__government_id__in=list(governments))
        .order_by("report__government__path", "order", "pk")
        .values_list("pk", "title", "report__government_id")
    )
    groups = []
    for members in group_similar(
        [title for _pk, title, _g in rows], normalize=normalize_shortfall, threshold=threshold
    ):
        by_government: dict[int, list[tuple[int, str]]] = {}
        for index in members:
            pk, title, government_id = rows[index]
            by_government.setdefault(government_id, []).append((pk, title))
        groups.append(
            ShortfallGroup(
                label=rows[members[0]][1],
                governments=[(governments[gid], items) for gid, items in by_government.items()],
            )
        )
    groups.sort(key=lambda group: (-group.government_count, -group.item_count))
    return groups


def recurring_shortfalls(
    *, parent: Government, year: int, threshold: float = DEFAULT_THRESHOLD
) -> list[ShortfallGroup]:
    """The shortfalls of ``year`` of every government below ``parent`` (at any depth), grouped
    by similar wording (``utilities.similar`` over ``normalize_shortfall``): the groups that
    most governments report first. Two queries, cached until the ledger changes."""
    return cached(
        "recurring_shortfalls",
        parent.pk,
        year,
        threshold,
        build=lambda: _shortfall_groups(parent.pk, year, threshold),
    )
