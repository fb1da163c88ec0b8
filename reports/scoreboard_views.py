"""The unit scoreboard (/units/): each unit's figures for a year, ranked, and the year's ratings
(优 / 良 / 中) that reviewers set there."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tracker import permissions
from tracker.choices import Grade
from tracker.decorators import reviewer_required
from tracker.filters import NONE, TRACKED
from tracker.governments import government_in_view
from tracker.lights import yellow_days
from tracker.models import Unit
from tracker.selectors import reports_visible_to
from tracker.services import Conflict
from utilities.replica import replica_view

from .dashboard import items_url
from .scoreboard import unassigned_figures, unit_scoreboard
from .services import ratings_set

SCOREBOARD_SORTS = {
    "rank": lambda row: (row.rank is None, row.rank or 0, row.unit.name),
    "unit": lambda row: row.unit.name,
    "led": lambda row: row.figures.total,
    "done": lambda row: row.figures.done,
    "completion": lambda row: row.figures.completion_rate if row.figures.completion_rate is not None else -1,
    "overdue": lambda row: row.figures.overdue,
    "yellow": lambda row: row.figures.yellow,
    "returned": lambda row: row.figures.returned,
    "on_time": lambda row: row.figures.on_time_rate if row.figures.on_time_rate is not None else -1,
    "evidence": lambda row: row.figures.evidence,
    "chased": lambda row: row.figures.chased,
}


def _years(request):
    """The reports of the government in view, newest first (their year, id and state:
    whether the year is open)."""
    government = government_in_view(request)
    if government is None:
        return []
    return list(
        reports_visible_to(request.user)
        .filter(government=government)
        .order_by("-year")
        .only("year", "state", "government")
    )


@require_GET
@replica_view
def scoreboard(request):
    """Per year, each unit's items led, done, overdue, returned, on-time rate and evidence,
    ranked; reviewers set the year's ratings here. Staff see their own units' rows and rank."""
    return _scoreboard_page(request, request.GET.get("year", ""))


def _scoreboard_page(request, chosen: str, *, typed: dict | None = None, status: int = 200):
    """The scoreboard of the year ``chosen`` (else the latest). ``typed`` (unit id → (grade,
    comment)) fills the rating fields with what a refused save held, the current rating shown
    beside each that differs."""
    user = request.user
    reports = _years(request)
    if not reports:
        # No year (yet, or of the government in view: a city's own office files none).
        return render(
            request, "reports/scoreboard.html", {"years": [], "rows": [], "yellow_days": yellow_days()}
        )
    report = next((r for r in reports if str(r.year) == chosen), reports[0])
    year, report_id = report.year, report.pk
    rows = unit_scoreboard(year=year, report_id=report_id, government=report.government_id)
    ranked_count = sum(1 for row in rows if row.rank is not None)
    if not permissions.sees_all_items(user):
        mine = permissions.unit_ids(user)
        rows = [row for row in rows if row.unit.pk in mine]
    sort = request.GET.get("sort", "rank")
    descending = sort.startswith("-")
    key = SCOREBOARD_SORTS.get(sort.lstrip("-"))
    if key is not None:
        rows.sort(key=key, reverse=descending)
    grade_labels = dict(Grade.choices)
    for row in rows:
        # The unit's tracked work, which its figures count: each figure narrows this list.
        row.items_url = items_url(year=year, kind=TRACKED, lead_unit=row.unit.pk)
        current = (row.rating.grade, row.rating.comment) if row.rating else ("", "")
        row.form_grade, row.form_comment = (typed or {}).get(row.unit.pk, current)
        differs = typed is not None and row.unit.pk in typed and typed[row.unit.pk] != current
        row.current_rating = ""
        if differs:
            grade = grade_labels.get(current[0], "—")
            row.current_rating = (
                _("%(grade)s, comment: %(comment)s") % {"grade": grade, "comment": current[1]}
                if current[1]
                else grade
            )
    # Items without a lead unit: a row of their own below the ranking, for those who see them.
    unassigned = (
        unassigned_figures(year=year, government=report.government_id)
        if permissions.sees_all_items(user)
        else None
    )
    can_rate = permissions.can_rate(user, report)
    return render(
        request,
        "reports/scoreboard.html",
        {
            "years": [(r.year, r.pk, r.state) for r in reports],
            "year": year,
            "rows": rows,
            "unassigned": unassigned,
            "unassigned_url": items_url(year=year, kind=TRACKED, lead_unit=NONE),
            "ranked_count": ranked_count,
            "sort": sort,
            "can_rate": can_rate,
            "grades": Grade.choices,
            "yellow_days": yellow_days(),
        },
        status=status,
    )


@require_POST
@reviewer_required
def ratings_save(request):
    """Save the grades and comments typed on the scoreboard, all in one transaction. A save
    that loses a race is answered 409 with what was typed kept in the form."""
    reports = {str(report.year): report for report in _years(request)}
    report = reports.get(request.POST.get("year", ""))
    if report is None:
        raise Http404(_("No such year."))
    year, report_id = report.year, report.pk
    valid_units = set(Unit.objects.filter(government_id=report.government_id).values_list("pk", flat=True))
    grades = {}
    for key, value in request.POST.items():
        if key.startswith("grade_") and key[6:].isdigit() and int(key[6:]) in valid_units:
            unit_id = int(key[6:])
            grades[unit_id] = (value, request.POST.get(f"comment_{unit_id}", "")[:2000])
    try:
        changed = ratings_set(report_id=report_id, user=request.user, grades=grades)
    except Conflict as conflict:
        messages.error(request, str(conflict))
        return _scoreboard_page(request, str(year), typed=grades, status=409)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Ratings saved (%(count)s changed).") % {"count": changed})
    return redirect(f"{reverse('scoreboard')}?year={year}")
