import datetime
import secrets

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tracker import permissions
from tracker import selectors as tracker_selectors
from tracker.choices import ItemStatus
from tracker.decorators import reviewer_required
from tracker.filters import TRACKED, ItemFilter
from tracker.governments import government_in_view
from tracker.models import Unit
from tracker.services import Conflict
from utilities.replica import replica_view
from utilities.uploads import upload_failed

from . import selectors
from .dashboard import dashboard, items_url, year_work
from .export_jobs import offers_jobs
from .forms import CircularForm, ImportDetailsForm, ReportImportForm
from .importing import Corrections
from .importing.parse import split_parts
from .models import AnnualReport
from .services import (
    REFUSED,
    report_import,
    report_import_target,
    report_parse,
    rollover_plan,
    text_sha256,
    year_close,
    year_rollover,
)

IMPORT_SESSION_KEY = "report_import_draft"


def _report_in_view_or_404(request, year: int) -> AnnualReport:
    """The report of ``year`` of the government in view (``tracker.governments``), or 404."""
    report = selectors.report_in_view(user=request.user, year=year, government=government_in_view(request))
    if report is None:
        raise Http404(_("No report of that year."))
    return report


@require_GET
@replica_view
def home(request):
    """After login: the dashboard for reviewers and leaders, "my items" for unit staff, and
    the years with how many of the user's items stand in each status."""
    user = request.user
    sees_all = permissions.sees_all_items(user)
    government = government_in_view(request)
    board, by_year = None, None
    sees_all = sees_all and government is not None  # a reviewer of no government sees no figure
    if sees_all:
        history = selectors.figures_history(government=government)
        by_year = {year: figures.by_status() for year, figures in history.items()}
    reports = selectors.reports_with_status_counts(user, by_year=by_year, government=government)
    if sees_all and reports:
        years = [report.year for report in reports]
        chosen = request.GET.get("year", "")
        year = next((y for y in years if str(y) == chosen), years[0])
        board = dashboard(user=user, year=year, government=government, history=history)
        board["years"] = years
    return render(
        request,
        "reports/home.html",
        {
            "reports": reports,
            "statuses": ItemStatus.choices,
            "my_units": selectors.units_of(user),
            "sees_all": sees_all,
            "board": board,
            "my_items": None if sees_all else tracker_selectors.my_items(user),
            "my_links": None if sees_all else _my_links(),
        },
    )


def _my_links() -> dict[str, str]:
    """The item list of each of the staff home's lists, whole: every year, the items the
    units lead or cooperate on (``scope=all``) but for the returned ones, which are the
    units' own (the list's default)."""
    every = {"year": ItemFilter.ALL_YEARS, "kind": TRACKED}
    return {
        "overdue": items_url(**every, overdue="yes", scope="all"),
        "due_soon": items_url(**every, due_soon="yes", scope="all"),
        "returned": items_url(**every, status="returned"),
        "recent": items_url(**every, scope="all", sort="-updated_at"),
    }


@require_GET
def report_list(request):
    """Every year's report, newest first."""
    return render(
        request,
        "reports/report_list.html",
        {
            "reports": selectors.reports_with_status_counts(
                request.user, government=government_in_view(request)
            ),
            "statuses": ItemStatus.choices,
            "can_import": permissions.can_manage_years(request.user),
        },
    )


@require_GET
@replica_view
def report_detail(request, year: int):
    """The year as the county lives it: its tracked work and how far it got, the record its
    report gives (本年度成效, the outline), what went wrong and is being put right (its own
    report's problems, and last year's), and what the next year holds."""
    report = selectors.year_page_report(year=year, user=request.user, government=government_in_view(request))
    if report is None:
        raise Http404
    rows = selectors.report_outline_rows(report=report, user=request.user)
    can_manage = permissions.can_manage_years(request.user)
    work = year_work(report=report, user=request.user)
    return render(
        request,
        "reports/report_detail.html",
        {
            "report": report,
            "can_manage": can_manage,
            # The month picker of the 通报.
            "circular_form": CircularForm(year=year) if can_manage else None,
            "year": selectors.year_page(report=report, user=request.user, rows=rows),
            "last_year_shown": selectors.LAST_YEAR_SHOWN,
            "work": work,
            # A large year (counted by its tracked work, the bulk of every export, as this
            # person sees it) offers its exports as jobs: a progress page, then the file.
            "export_jobs": offers_jobs(work["figures"].total),
        },
    )


@reviewer_required
def report_import_start(request):
    """Step 1: upload or paste. A valid text goes to the preview; nothing is written yet."""
    is_post = request.method == "POST"
    if is_post and upload_failed(request):
        # The file never arrived, nor the fields after it: say so, over an empty form.
        messages.error(
            request,
            _(
                "The file could not be received: the server's storage is full or cannot be written "
                "to. Nothing was imported. Please try again later or contact the administrator."
            ),
        )
        return render(request, "reports/import_start.html", {"form": ReportImportForm()}, status=503)
    form = ReportImportForm(request.POST if is_post else None, request.FILES if is_post else None)
    if is_post and form.is_valid():
        text = form.cleaned_data["report_text"]
        try:
            parsed, _names = report_parse(text=text, year=form.cleaned_data["year"])
            # The government the report's issuer names, else the one in view; the preview
            # shows it and lets the reviewer choose another he manages.
            government = selectors.government_of_issuer(request.user, parsed.issuer) or _import_into(request)
            report_import_target(
                year=parsed.year,
                sha=text_sha256(text),
                replace=form.cleaned_data["replace"],
                government=government,
            )
        except REFUSED as error:
            form.add_error(None, str(error))
        else:
            request.session[IMPORT_SESSION_KEY] = {
                "token": secrets.token_urlsafe(16),
                "text": text,
                "year": form.cleaned_data["year"],
                "start_year": form.cleaned_data["year"],
                "replace": form.cleaned_data["replace"],
                "corrections": {},
                "government": government.pk if government is not None else None,
            }
            return redirect("reports:import_preview")
    return render(request, "reports/import_start.html", {"form": form})


def _import_into(request):
    """The government in view, as the default government of an import; None on an
    installation with no government yet (the import makes it, see
    ``reports.services.import_government``)."""
    return government_in_view(request)


def _draft_government(request, draft: dict):
    """The government ``draft`` goes into, if the reviewer still sees it (else 404)."""
    if draft.get("government") is None:
        return None
    government = tracker_selectors.governments_visible_to(request.user).filter(pk=draft["government"]).first()
    if government is None:
        raise Http404(_("No such government."))
    return government


def _draft(request) -> dict:
    draft = request.session.get(IMPORT_SESSION_KEY)
    if not draft:
        raise Http404(_("There is no import waiting for confirmation."))
    return draft


@require_GET
@reviewer_required
def report_import_preview(request):
    """Step 2: the outline, kinds, metrics and suggested units, with the reviewer's corrections
    applied; correct, confirm or cancel."""
    draft = request.session.get(IMPORT_SESSION_KEY)
    if not draft:
        messages.info(request, _("There is no import waiting for confirmation; start a new one."))
        return redirect("reports:import")
    try:
        preview = _preview(draft, government=_draft_government(request, draft))
    except REFUSED as error:
        messages.error(request, str(error))
        request.session.pop(IMPORT_SESSION_KEY, None)
        return redirect("reports:import")
    parsed = preview.parsed
    details = ImportDetailsForm(initial={"title": parsed.title, "year": parsed.year, "issuer": parsed.issuer})
    return render(
        request,
        "reports/import_preview.html",
        {
            "preview": preview,
            "token": draft["token"],
            "units": _import_units(preview.government),
            # A reviewer who sees several governments chooses the one the report is of.
            "governments": list(tracker_selectors.governments_visible_to(request.user)),
            "details": details,
            "kinds": [(kind.value, kind.label) for kind in selectors.CORRECTABLE_KINDS],
        },
    )


def _import_units(government):
    """The units an imported item may be led by: the active units of the import's government."""
    units = Unit.objects.filter(active=True)
    units = units.filter(government=government) if government.pk is not None else units.none()
    return units.order_by("kind", "order", "name", "pk")


def _preview(draft: dict, corrections: Corrections | None = None, *, government):
    if corrections is None:
        corrections = Corrections.from_json(draft.get("corrections"))
    return selectors.import_preview(
        text=draft["text"],
        year=draft["year"],
        replace=draft["replace"],
        corrections=corrections,
        government=government,
    )


@require_POST
@reviewer_required
def report_import_correct(request):
    """The reviewer's corrections to the preview: the title, year and issuer; a section's kind
    or area; a false heading merged into the text above; an item split into several. Kept in
    the draft (nothing is written): the preview and the confirm apply them."""
    draft = _draft(request)
    if request.POST.get("token") != draft["token"]:
        messages.error(request, _("This preview is out of date; please check it again before confirming."))
        return redirect("reports:import_preview")
    if "reset" in request.POST:
        draft.update(corrections={}, year=draft.get("start_year"), token=secrets.token_urlsafe(16))
        request.session[IMPORT_SESSION_KEY] = draft
        messages.info(request, _("Every correction was undone; the preview shows the report as it was read."))
        return redirect("reports:import_preview")
    if "government" in request.POST:
        return _choose_government(request, draft)
    government = _draft_government(request, draft)
    try:
        current = _preview(draft, government=government)
    except REFUSED as error:
        messages.error(request, str(error))
        return redirect("reports:import")
    corrections, year, anchor, error = _posted_corrections(request.POST, current)
    year = draft["year"] if year is None else year
    if error is None:
        try:
            # The corrected import must still be one that can be written.
            parsed, _names = report_parse(
                text=draft["text"], year=year, corrections=corrections, government=government
            )
            report_import_target(
                year=parsed.year,
                sha=text_sha256(draft["text"], corrections),
                replace=draft["replace"],
                government=government,
            )
        except REFUSED as refused:
            error = str(refused)
    if error is not None:
        messages.error(request, _("The correction was not made. %(reason)s") % {"reason": error})
    else:
        draft.update(corrections=corrections.to_json(), year=year, token=secrets.token_urlsafe(16))
        request.session[IMPORT_SESSION_KEY] = draft
        messages.success(request, _("Corrected. Check the preview again, then confirm."))
    return redirect(reverse("reports:import_preview") + (f"#{anchor}" if anchor else ""))


def _choose_government(request, draft: dict):
    """The reviewer chose the government the report is of, among those he sees: the preview
    is read again against its units (the units suggested before were another's)."""
    value = request.POST.get("government", "")
    government = (
        tracker_selectors.governments_visible_to(request.user).filter(pk=int(value)).first()
        if value.isdigit()
        else None
    )
    if government is None:
        messages.error(request, _("Choose the government from the list."))
        return redirect("reports:import_preview")
    try:
        parsed, _names = report_parse(
            text=draft["text"],
            year=draft["year"],
            corrections=Corrections.from_json(draft.get("corrections")),
            government=government,
        )
        report_import_target(
            year=parsed.year,
            sha=text_sha256(draft["text"], Corrections.from_json(draft.get("corrections"))),
            replace=draft["replace"],
            government=government,
        )
    except REFUSED as refused:
        messages.error(request, _("The correction was not made. %(reason)s") % {"reason": str(refused)})
        return redirect("reports:import_preview")
    draft.update(government=government.pk, token=secrets.token_urlsafe(16))
    request.session[IMPORT_SESSION_KEY] = draft
    messages.success(
        request,
        _("The report goes into %(government)s. Check the preview again, then confirm.")
        % {"government": government},
    )
    return redirect("reports:import_preview")


def _row_above(node):
    """The row a merged heading's text joins: the node before it (its previous sibling's last
    descendant, or its parent); the preview's first row when there is none."""
    parent = node.parent
    siblings = parent.children if parent is not None else []
    index = next((n for n, sibling in enumerate(siblings) if sibling is node), 0)
    if index == 0:
        return parent if parent is not None and parent.rank else node
    above = siblings[index - 1]
    while above.children:
        above = above.children[-1]
    return above


def _posted_corrections(post, current) -> tuple[Corrections, int | None, str, str | None]:
    """The corrections a post asks for on top of ``current`` (the preview it was made on):
    ``(corrections, year or None when unchanged, anchor of the row it concerns, error or None)``."""
    parsed = current.parsed
    corrections = Corrections.from_json(current.corrections.to_json())
    nodes = {node.start: node for node in parsed.root.walk() if node.rank > 0}
    items = {id(item.node) for item in parsed.items}
    anchor = ""
    if "merge" in post or "split" in post:
        action = "merge" if "merge" in post else "split"
        value = post.get(action, "")
        node = nodes.get(int(value)) if value.isdigit() else None
        if node is None or (action == "merge" and not node.number):
            return corrections, None, "", _("That part of the outline is no longer there.")
        if action == "split" and (id(node) not in items or len(split_parts(node, parsed.cleaned_text)) < 2):
            return corrections, None, "", _("This item holds one sentence only.")
        (corrections.not_headings if action == "merge" else corrections.split).add(node.start)
        anchor = f"node-{_row_above(node).start if action == 'merge' else node.start}"
        return corrections, None, anchor, None
    details = ImportDetailsForm(post)
    if not details.is_valid():
        errors = " ".join(
            f"{details.fields[name].label}：{error}" if name in details.fields else str(error)
            for name, field_errors in details.errors.items()
            for error in field_errors
        )
        return corrections, None, "details", errors
    data = details.cleaned_data
    if data["title"].strip() != parsed.title:
        corrections.title = data["title"].strip()
    if data["issuer"].strip() != parsed.issuer:
        corrections.issuer = data["issuer"].strip()
    year = data["year"] if data["year"] != parsed.year else None
    kinds = {kind.value for kind in selectors.CORRECTABLE_KINDS}
    codes = {code for code, _name in current.areas}
    for key, value in post.items():
        name, _sep, start = key.partition("_")
        node = nodes.get(int(start)) if start.isdigit() else None
        if node is None or value == post.get(f"was_{key}"):
            continue  # only what the reviewer changed from what the preview showed
        if name == "kind" and node.level == 1 and value in kinds and value != node.kind:
            corrections.kinds[node.start] = value
            anchor = f"node-{node.start}"
        elif name == "area" and (value in codes or value == "") and value != (node.area or ""):
            corrections.areas[node.start] = value
            anchor = f"node-{node.start}"
    return corrections, year, anchor or "details", None


@require_POST
@reviewer_required
def report_import_confirm(request):
    """Step 3: write it all in one transaction, with the units chosen on the preview."""
    draft = _draft(request)
    if request.POST.get("token") != draft["token"]:
        messages.error(request, _("This preview is out of date; please check it again before confirming."))
        return redirect("reports:import_preview")
    government = _draft_government(request, draft)
    valid_units = (
        set(Unit.objects.filter(active=True, government=government).values_list("pk", flat=True))
        if government is not None
        else set()
    )
    lead_units: dict[int, int | None] = {}
    for key, value in request.POST.items():
        if key.startswith("lead_") and key[5:].isdigit():
            unit = int(value) if value.isdigit() and int(value) in valid_units else None
            lead_units[int(key[5:])] = unit
    # Each measure row posts its index, and the shortfalls ticked for it (none ticked: none).
    links = {
        int(index): [int(n) for n in request.POST.getlist(f"answers_{index}") if n.isdigit()]
        for index in request.POST.getlist("measure")
        if index.isdigit()
    }
    due_on = _posted_date(request.POST.get("due_on", ""))
    if due_on is False:
        messages.error(
            request,
            _("The deadline “%(value)s” is not a date; write it like 2021-12-31. Nothing was imported.")
            % {"value": request.POST.get("due_on", "")[:30]},
        )
        return redirect("reports:import_preview")
    try:
        result = report_import(
            text=draft["text"],
            year=draft["year"],
            replace=draft["replace"],
            corrections=Corrections.from_json(draft.get("corrections")),
            user=request.user,
            lead_units=lead_units,
            due_on=due_on,
            links=links,
            government=government,
        )
    except REFUSED as error:
        messages.error(request, str(error))
        return redirect("reports:import")
    except Conflict as conflict:
        # Another import of the year won the race; the preview shows where things now stand.
        messages.error(request, str(conflict))
        return redirect("reports:import_preview")
    request.session.pop(IMPORT_SESSION_KEY, None)
    if result.duplicate:
        messages.info(request, _("This text was imported before; nothing new was created."))
    else:
        kinds = [item.kind for item in result.parsed.items]
        messages.success(
            request,
            _(
                "Imported %(title)s: %(achievements)s achievements recorded for %(year)s; "
                "%(shortfalls)s shortfalls and %(measures)s measures are work of %(work_year)s."
            )
            % {
                "title": result.report.title,
                "achievements": kinds.count("achievement"),
                "year": result.report.year,
                "shortfalls": kinds.count("shortfall"),
                "measures": kinds.count("measure"),
                "work_year": result.work_year["shortfalls"],
            },
        )
    for item in result.kept_items:
        messages.warning(request, _("Kept because it has progress: %(title)s") % {"title": item.title})
    # The year page of the government imported into (put in view when it is not).
    url = reverse("reports:detail", args=[result.report.year])
    in_view = government_in_view(request)
    if in_view is None or in_view.pk != result.report.government_id:
        url += f"?government={result.report.government_id}"
    return redirect(url)


def _posted_date(value: str):
    """A posted ISO date: the date, None when empty, False when it is not a date."""
    value = value.strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return False


@require_POST
@reviewer_required
def report_import_cancel(request):
    request.session.pop(IMPORT_SESSION_KEY, None)
    messages.info(request, _("Import cancelled; nothing was written."))
    return redirect("reports:import")


@reviewer_required
def report_rollover(request, year: int):
    """Preview what carrying ``year`` into the next would do; confirm writes it."""
    report = _report_in_view_or_404(request, year)
    government = report.government
    try:
        plan = rollover_plan(from_year=year, to_year=year + 1, government=government)
    except REFUSED as error:
        messages.error(request, str(error))
        return redirect("reports:detail", year=year)
    if request.method == "POST":
        keep = request.POST.get("keep_status") == "1"
        try:
            plan = year_rollover(
                from_year=year, to_year=year + 1, user=request.user, keep_status=keep, government=government
            )
        except REFUSED as error:
            messages.error(request, str(error))
            return redirect("reports:rollover", year=year)
        except Conflict as conflict:
            messages.error(request, str(conflict))
            plan = rollover_plan(from_year=year, to_year=year + 1, government=government)
            return render(request, "reports/rollover.html", {"report": report, "plan": plan}, status=409)
        messages.success(
            request,
            _("Carried %(count)s items into %(year)s.") % {"count": len(plan.carried), "year": year + 1},
        )
        return redirect("reports:detail", year=year + 1)
    return render(request, "reports/rollover.html", {"report": report, "plan": plan})


@require_POST
@reviewer_required
def report_close(request, year: int):
    """Close a year: its record becomes read-only for everyone."""
    report = _report_in_view_or_404(request, year)
    year_close(report=report, user=request.user)
    messages.success(request, _("The year %(year)s is closed; its record is now read-only.") % {"year": year})
    return redirect("reports:detail", year=year)


EXPORT_FORMATS = ("xlsx", "csv", "docx", "tasks")


@require_GET
@replica_view
def report_export(request, year: int, fmt: str):
    """The year's annual summary as a file: the XLSX ledger, the CSV of its items, the DOCX
    report draft, or its items as a 任务分解表 (``tasks``). Staff get their own units' rows;
    leaders and reviewers everything. A large year's page offers the same files as jobs
    (``report_export_job``); this address stays for every year (DESIGN.md's stable URL)."""
    import tempfile

    from django.http import FileResponse

    from tracker.tables import ItemExport

    from .export_jobs import export_file, write_year_export, year_items

    if fmt not in EXPORT_FORMATS:
        raise Http404(_("No such export format."))
    report = _report_in_view_or_404(request, year)
    if fmt == "tasks":  # the year's tracked items as a 任务分解表 (.xlsx)
        from .tasksheet_views import task_sheet_response

        return task_sheet_response(request, report)
    described = export_file(year, fmt)
    if fmt == "csv":
        return ItemExport.of("csv", year_items(report, request.user)).response(described.filename)
    output = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    write_year_export(report=report, user=request.user, fmt=fmt, output=output)
    output.seek(0)
    return FileResponse(
        output, as_attachment=True, filename=described.filename, content_type=described.content_type
    )


@require_POST
def report_export_job(request, year: int, fmt: str):
    """Start writing the year's export (``xlsx``, ``csv``, ``docx``) as a job, for a year too
    large to wait for, and send the person to the job's page (303): its progress, then the file.
    The file holds what the plain export would give this person."""
    from .export_jobs import JOB_FORMATS, start_year_export

    if fmt not in JOB_FORMATS:
        raise Http404(_("No such export format."))
    report = _report_in_view_or_404(request, year)
    job = start_year_export(report=report, user=request.user, fmt=fmt)
    response = redirect("jobs:detail", pk=job.pk)
    response.status_code = 303
    return response


@require_GET
@reviewer_required
@replica_view
def report_circular(request, year: int):
    """The monthly 通报 of ``year``'s ledger as DOCX (``?month=YYYY-MM``), for reviewers: its
    figures are the dashboard's and the scoreboard's as of the month's last day. A missing or
    bad month gives the month picker again with the error (400)."""
    import io

    from django.http import FileResponse

    from .circulars import month_circular
    from .exporting.circular import write_circular

    report = _report_in_view_or_404(request, year)
    form = CircularForm(request.GET, year=year)
    if not form.is_valid():
        return render(request, "reports/circular_form.html", {"report": report, "form": form}, status=400)
    month = form.cleaned_data["month"]
    buffer = io.BytesIO()
    write_circular(month_circular(report=report, month=month), buffer)
    buffer.seek(0)
    return FileResponse(
        buffer,
        as_attachment=True,
        filename=f"通报-{year}-{month:02d}.docx",
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
