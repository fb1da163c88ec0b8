import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_filters.views import FilterView
from django_tables2 import RequestConfig, SingleTableMixin
from django_tables2.export import ExportMixin

from utilities.people import user_label
from utilities.storage_files import open_stored, presigned, presigned_url, streamed_response
from utilities.uploads import upload_failed

from . import permissions, selectors, years
from .choices import ItemStatus
from .decorators import reviewer_required
from .evidence import looks_like
from .filters import ItemFilter
from .forms import (
    AssignForm,
    BulkAssignForm,
    BulkChaseForm,
    ChaseForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    InstructionForm,
    InstructionReplyForm,
    LinksForm,
    ProgressForm,
    ReviewForm,
    SubmitForm,
)
from .models import Evidence, ExtensionRequest, Instruction, Item
from .paging import bounded_per_page
from .services import (
    Conflict,
    EvidenceNotStored,
    StaleItem,
    extension_decide,
    extension_request,
    instruction_add,
    instruction_handle,
    instruction_reply,
    item_add_progress,
    item_follow,
    item_review,
    item_set_links,
    item_submit,
    items_assign,
    items_chase,
)
from .tables import CountedPaginator, ItemExport, ItemTable
from .widgets import is_id


@require_GET
@never_cache
@login_not_required
def healthz(request):
    """For load balancers and monitoring: 200 while this app server can serve, 503 when it
    cannot, with each part's state in the body (JSON):

    - ``database``: ``ok`` | ``unavailable`` (``SELECT 1``);
    - ``media``: ``ok`` | ``not writable``: this host's own folders, where uploads are spooled
      (FILE_UPLOAD_TEMP_DIR) and, without S3, evidence lives (MEDIA_ROOT): a small file is
      written and removed;
    - ``replica``, ``cache``, ``queue``, ``storage``: ``off`` when not configured (no
      DATABASE_REPLICA_URL, REDIS_URL, S3_BUCKET), else ``ok`` or what is wrong
      (``unavailable``; the queue ``no worker`` when nothing would run its jobs; the local
      storage ``not writable``).

    Decided here: only the database and this host's own folders make the answer 503. The
    shared parts fail for every app server at once, so taking each out of the load balancer
    would turn a degraded service (figures counted afresh without Redis, jobs waiting for
    their queue) into none; they are reported for monitoring to alert on."""
    database = "ok" if _database_answers("default") else "unavailable"
    media = "ok" if _media_writable() else "not writable"
    body = {
        "database": database,
        "media": media,
        "replica": _replica_state(),
        "cache": _cache_state(),
        "queue": _queue_state(),
        "storage": _storage_state(media),
    }
    healthy = database == "ok" and media == "ok"
    return JsonResponse({"status": "ok" if healthy else "error", **body}, status=200 if healthy else 503)


def _database_answers(alias: str) -> bool:
    from django.db import connections

    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return False
    return True


def _replica_state() -> str:
    if not getattr(settings, "LEDGER_READ_REPLICA", False):
        return "off"
    return "ok" if _database_answers("replica") else "unavailable"


def _cache_state() -> str:
    """The shared cache (REDIS_URL): a value written and read back (the cache ignores Redis's
    errors, so a value that does not come back is the sign)."""
    if not getattr(settings, "REDIS_URL", ""):
        return "off"
    import secrets

    from django.core.cache import cache

    probe = secrets.token_hex(8)
    try:
        cache.set("healthz", probe, timeout=10)
        answered = cache.get("healthz") == probe
    except Exception:
        answered = False
    return "ok" if answered else "unavailable"


def _queue_state() -> str:
    """The job queue (REDIS_URL): Redis answers, and some worker listens on the queue."""
    from jobs.runner import QUEUE, queued, redis_connection

    if not queued():
        return "off"
    from redis.exceptions import RedisError
    from rq import Queue, Worker

    try:
        connection = redis_connection(timeout=2)
        connection.ping()
        workers = Worker.count(connection=connection, queue=Queue(QUEUE, connection=connection))
    except RedisError:
        return "unavailable"
    return "ok" if workers else "no worker"


def _storage_state(media: str) -> str:
    """Where evidence and job results go: S3 (S3_BUCKET) answers for the bucket, else the
    media folder (probed with ``media``)."""
    from utilities.storage_files import STORAGE_ERRORS, on_s3

    if not on_s3():
        return "ok" if media == "ok" else "not writable"
    from django.core.files.storage import default_storage

    try:
        default_storage.connection.meta.client.head_bucket(Bucket=default_storage.bucket_name)
    except STORAGE_ERRORS:
        return "unavailable"
    return "ok"


def _media_writable() -> bool:
    """Whether a small file can be written to, and removed from, MEDIA_ROOT (where evidence
    goes, unless it goes to S3) and FILE_UPLOAD_TEMP_DIR (where uploads over 2.5 MB are
    spooled first): false on a read-only or full disk, or a folder that cannot be created."""
    from utilities.storage_files import on_s3

    folders = [None if on_s3() else settings.MEDIA_ROOT, getattr(settings, "FILE_UPLOAD_TEMP_DIR", None)]
    for folder in filter(None, folders):
        root = Path(folder)
        try:
            root.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=root, prefix=".healthz-") as probe:
                probe.write(b"ok")
                probe.flush()
        except OSError:
            return False
    return True


# A free-text search counts at most this many matches: beyond it the page says "1000+".
SEARCH_COUNT_CAP = 1000


class ItemListView(ExportMixin, SingleTableMixin, FilterView):
    """All the items a person may see, filtered, sorted, paged, and exported as filtered and
    sorted (``?_export=csv`` / ``xlsx``; the rows and files are defined in tracker/tables.py).

    The status chips narrow by status and count every status under the other filters, so
    the filterset leaves status out and the view applies it.
    """

    table_class = ItemTable
    filterset_class = ItemFilter
    template_name = "tracker/item_list.html"
    table_pagination = {"per_page": 25, "paginator_class": CountedPaginator}
    export_class = ItemExport
    export_formats = ("csv", "xlsx")

    def exporting(self) -> bool:
        return self.export_class.is_valid_format(self.request.GET.get(self.export_trigger_param))

    def get_export_filename(self, export_format):
        return f"items-{selectors.today().isoformat()}.{export_format}"

    def own_units_only(self) -> bool:
        return self.request.GET.get("scope") != "all" and not permissions.sees_all_items(self.request.user)

    STATUSES = frozenset(ItemStatus.values)

    def status(self) -> str | None:
        status = self.request.GET.get("status")
        return status if status in self.STATUSES else None

    def get_queryset(self):
        return selectors.items_for_list(self.request.user, own_units_only=self.own_units_only())

    def filtered(self):
        """Rows under every filter but status (the chips' base); none when a filter is invalid."""
        if self.filterset.is_bound and not self.filterset.is_valid():
            return Item.objects.none()
        return self.filterset.qs

    def get_table_data(self):
        return self._with_status(self.filtered())

    def _with_status(self, rows):
        return rows.filter(status=self.status()) if self.status() else rows

    def searching(self) -> bool:
        return bool(self.request.GET.get("q", "").strip())

    def counts_key(self) -> tuple:
        """What the counts depend on besides the ledger: the filters and what the person sees."""
        valid = not self.filterset.is_bound or self.filterset.is_valid()
        data = self.filterset.form.cleaned_data if valid and self.filterset.is_bound else {}
        # A chosen row by its id, not its name: two counties each have a 县司法局 (issue 19).
        filters = sorted(
            (name, ("pk", value.pk) if hasattr(value, "pk") else value)
            for name, value in data.items()
            if value not in (None, "")
        )
        filters.append(("valid", valid))
        scope = permissions.visibility_key(self.request.user)
        return (scope, self.own_units_only(), repr(filters), SEARCH_COUNT_CAP)

    def status_counts(self) -> dict[str, int] | None:
        """Rows per status under the other filters; None when a free-text search matches more
        than SEARCH_COUNT_CAP rows (counting them all would scan every text: see README).
        Cached until the ledger changes (tracker.ledger_cache)."""
        if not hasattr(self, "_status_counts"):
            self._status_counts = selectors.list_status_counts(
                self.filtered(), key=self.counts_key(), searching=self.searching(), cap=SEARCH_COUNT_CAP
            )
        return self._status_counts

    def row_count(self) -> int:
        counts = self.status_counts()
        if counts is not None:
            return counts[self.status()] if self.status() else sum(counts.values())
        if not self.status():
            return SEARCH_COUNT_CAP
        key = (*self.counts_key(), self.status())
        return selectors.list_row_count(self.get_table_data(), key=key, cap=SEARCH_COUNT_CAP)

    def section_filter(self) -> dict | None:
        """The report section the list is narrowed to (from the year page): its report's
        ``year`` and its ``label``, the path from the top (二、… › (一)…)."""
        section_id = self.filterset.form.cleaned_data.get("section") if self.filterset.is_valid() else None
        path = selectors.section_path_of(section_id) if section_id is not None else []
        if not path:
            return None
        label = " › ".join(f"{section.number}{section.heading}" for section in path)
        return {"year": path[-1].report.year, "label": label}

    def filters_in_force(self, section: dict | None) -> list[tuple[str, str]]:
        """What narrows the list, as (label, value) pairs a person reads, for the printed
        header: the filters with the status chip after the year, the section (``section_filter``)
        and, for those who can widen it, the scope."""
        described = []
        for name, label, value in self.filterset.in_force():
            described.append((label, value))
            if name == "year" and self.status():
                described.append((_("Status"), str(ItemStatus(self.status()).label)))
        if section:
            described.append((_("Section"), f"{section['year']} {section['label']}"))
        if not permissions.sees_all_items(self.request.user):
            described.append(
                (_("Which items"), _("My units' items") if self.own_units_only() else _("All I may see"))
            )
        return described

    def page_rows(self):
        """The rows the table pages through. A search matching more than SEARCH_COUNT_CAP rows
        is a common word: walking the list's sort index finds a page of it at once, and the
        bigram condition (tracker.search) would only cost a function call on every row passed,
        so the page's query leaves it out; the counts above kept it."""
        if self.searching() and self.status_counts() is None:
            self.filterset.use_search_index = False
            return self._with_status(self.filterset.filter_queryset(self.filterset.queryset.all()))
        return self.get_table_data()

    def get_table_kwargs(self):
        user = self.request.user
        return {"bulk": permissions.can_assign(user) or permissions.can_chase(user)}

    def get_table(self, **kwargs):
        exporting = self.exporting()
        items = self.get_table_data() if exporting else self.page_rows()
        # The page shows no source text (files do).
        table = self.get_table_class()(data=ItemTable.rows_of(items, with_text=exporting), **kwargs)
        paginate = False if exporting else self.get_table_pagination(table)
        return RequestConfig(self.request, paginate=paginate).configure(table)

    def get_table_pagination(self, table):
        # The chips' GROUP BY already counted the rows: no second COUNT(*) for the paginator.
        return {**super().get_table_pagination(table), "count": self.row_count()}

    def get_context_data(self, **kwargs):
        if self.exporting():  # ExportMixin answers with the file: no page to prepare
            return kwargs
        context = super().get_context_data(**kwargs)
        counts = self.status_counts()
        current = self.status()
        context["status_chips"] = [
            {
                "value": value,
                "label": label,
                "count": counts[value] if counts else None,
                "active": current == value,
            }
            for value, label in ItemStatus.choices
        ]
        context["chip_total"] = sum(counts.values()) if counts else None
        context["search_capped"] = counts is None
        context["search_cap"] = SEARCH_COUNT_CAP
        context["status_filtered"] = bool(current)
        context["own_units_only"] = self.own_units_only()
        context["can_widen"] = not permissions.sees_all_items(self.request.user)
        context["total"] = context["table"].paginator.count
        context["filter_active"] = any(self.request.GET.get(name) for name in self.filterset.filters)
        context["section_filter"] = self.section_filter()
        in_force = self.filters_in_force(context["section_filter"])
        context["filters_in_force"] = " · ".join(f"{label} {value}" for label, value in in_force)
        if permissions.can_assign(self.request.user):
            # Ids of its own: the filters above have fields of the same names.
            context["bulk_form"] = BulkAssignForm(
                items_queryset=Item.objects.none(), user=self.request.user, auto_id="id_bulk_%s"
            )
        if permissions.can_chase(self.request.user):
            context["bulk_chase_form"] = BulkChaseForm(
                items_queryset=Item.objects.none(), auto_id="id_chase_%s"
            )
        return context


def _item_or_404(user, pk: int) -> Item:
    try:
        return selectors.item_for_page(user, pk)
    except Item.DoesNotExist:
        raise Http404(_("No such item, or it is not one of yours.")) from None


def _render_item(request, item: Item, *, status: int = 200, **forms):
    """The item page, with any bound form given (so that what was typed stays)."""
    user = request.user
    can = permissions.item_capabilities(user, item)
    if can.progress:
        forms.setdefault("form", ProgressForm(item=item, user=user))
    if can.submit:
        forms.setdefault("submit_form", SubmitForm(item=item))
    pending = selectors.item_pending_extension(item)
    if can.review:
        forms.setdefault("review_form", ReviewForm(initial={"version": item.version}))
    if can.extension and pending is None:
        forms.setdefault("extension_form", ExtensionRequestForm())
    if pending is not None and permissions.can_decide_extension(user, pending):
        forms.setdefault("decision_form", ExtensionDecisionForm())
    if can.assign:
        forms.setdefault(
            "assign_form",
            AssignForm(
                user=user,
                initial={
                    "lead_unit": item.lead_unit,
                    "cooperating_units": list(item.cooperating_units.all()),
                    "assignee": item.assignee,
                    "responsible_name": item.responsible_name,
                    "responsible_post": item.responsible_post,
                    "responsible_phone": item.responsible_phone,
                    "due_on": item.due_on,
                    "version": item.version,
                },
            ),
        )
    if can.link and (item.link_unsure or request.GET.get("links")):
        # The candidates are a query of their own: read only when the reviewer asks to change
        # the links (or the import left them to confirm), so the page keeps its query count.
        forms.setdefault("links_form", LinksForm(item=item))
    if can.instruct:
        forms.setdefault("instruction_form", InstructionForm())
    if can.chase:
        forms.setdefault("chase_form", ChaseForm())
    _instruction_actions(user, item, forms.pop("reply_form", None))
    return render(
        request,
        "tracker/item_detail.html",
        {
            "item": item,
            "path": selectors.section_path(item),
            "timeline": item.timeline,
            "pending_extension": pending,
            "can": can,
            **forms,
        },
        status=status,
    )


def _instruction_actions(user, item: Item, bound: InstructionReplyForm | None) -> None:
    """On each leader's instruction of the page: ``reply_form`` for the lead unit's staff
    (``bound``, the one sent with its errors, on its own instruction), ``can_handle`` for
    the leader who gave it and reviewers."""
    for entry in item.timeline:
        if entry["kind"] != "instruction":
            continue
        instruction = entry["instruction"]
        instruction.reply_form = None
        instruction.can_handle = False
        if instruction.is_handled:
            continue
        if permissions.can_reply_instruction(user, instruction):
            same = bound is not None and bound.instruction_id == instruction.pk
            instruction.reply_form = bound if same else InstructionReplyForm(instruction=instruction)
        instruction.can_handle = permissions.can_handle_instruction(user, instruction)


def item_detail(request, pk: int):
    """The item: source text, units, deadline, status, links, timeline, and the forms the
    person may use (progress, submission; review, assignment, links, extension, instruction)."""
    user = request.user
    item = _item_or_404(user, pk)
    if request.method != "POST":
        return _render_item(request, item)
    can = permissions.item_capabilities(user, item)
    years.require(can.progress and (can.change_status or not request.POST.get("status")), item)
    form = ProgressForm(request.POST, request.FILES, item=item, user=user)
    if upload_failed(request):
        # The files never arrived (the upload folder cannot be written): nothing is saved, and
        # the note and status typed are kept, as when the evidence folder refuses the files.
        form.add_error(None, str(EvidenceNotStored()))
        return _render_item(request, item, form=form, status=503)
    if form.is_valid():
        try:
            item_add_progress(
                item=item,
                user=user,
                note=form.cleaned_data["note"],
                status=form.cleaned_data["status"] or None,
                files=form.cleaned_data["files"],
                expected_version=form.cleaned_data["version"],
            )
        except StaleItem as stale:
            return _progress_conflict(request, pk, form.cleaned_data["note"], stale)
        except EvidenceNotStored as error:
            # The bound form keeps the note and the status chosen; files must be chosen again.
            form.add_error(None, str(error))
            return _render_item(request, item, form=form, status=503)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Progress saved."))
            return redirect(item)
    elif form.cleaned_data.get("version", item.version) != item.version:
        # A form opened on an older version: its choices were the old state's (a status move
        # someone else has made since is no longer offered), so say what happened instead.
        return _progress_conflict(request, pk, request.POST.get("note", ""), StaleItem(item, request.user))
    return _render_item(request, item, form=form)


def _progress_conflict(request, pk: int, note: str, stale: StaleItem):
    """409: the item's current state, the conflict said, what the person typed kept (files
    must be chosen again)."""
    item = selectors.item_for_page(request.user, pk)
    form = ProgressForm({"note": note, "status": "", "version": item.version}, item=item, user=request.user)
    form.add_error(None, str(stale))
    return _render_item(request, item, form=form, status=409)


@require_POST
def item_submit_view(request, pk: int):
    """Submit the item for review (提交审核) in one step, with this submission's note and
    files: from not started, in progress or returned alike. A page opened on an older version
    is answered 409 with the item as it is now and the note kept."""
    user = request.user
    item = _item_or_404(user, pk)
    years.require(permissions.can_change_status(user, item), item)
    form = SubmitForm(request.POST, request.FILES, item=item)
    if upload_failed(request):
        form.add_error(None, str(EvidenceNotStored()))
        return _render_item(request, item, submit_form=form, status=503)
    if not form.is_valid():
        if form.cleaned_data.get("version", item.version) != item.version:
            return _submit_conflict(request, pk, request.POST.get("submit-note", ""))
        return _render_item(request, item, submit_form=form, status=400)
    try:
        item_submit(
            item=item,
            user=user,
            note=form.cleaned_data["note"],
            files=form.cleaned_data["files"],
            expected_version=form.cleaned_data["version"],
        )
    except StaleItem:
        return _submit_conflict(request, pk, form.cleaned_data["note"])
    except EvidenceNotStored as error:
        form.add_error(None, str(error))
        return _render_item(request, item, submit_form=form, status=503)
    except ValidationError as error:
        _refused(form, error)
        return _render_item(request, item, submit_form=form, status=400)
    messages.success(request, _("Submitted for review: %(title)s") % {"title": item.title})
    return redirect(item)


def _submit_conflict(request, pk: int, note: str):
    """409 for a submission from an out-of-date page: the item as it is now, the conflict
    said, the note kept in the submission form when the item can still be submitted, else in
    the progress form (files must be chosen again)."""
    item = selectors.item_for_page(request.user, pk)
    message = str(StaleItem(item, request.user))
    if permissions.item_capabilities(request.user, item).submit:
        form = SubmitForm({"submit-note": note, "submit-version": item.version}, item=item)
        form.full_clean()
        form.add_error(None, message)
        return _render_item(request, item, submit_form=form, status=409)
    if permissions.can_add_progress(request.user, item):
        form = ProgressForm(
            {"note": note, "status": "", "version": item.version}, item=item, user=request.user
        )
        form.add_error(None, message)
        return _render_item(request, item, form=form, status=409)
    messages.error(request, message)
    return _render_item(request, item, status=409)


@require_POST
def item_links_view(request, pk: int):
    """A reviewer sets which shortfalls a measure answers, or which measures answer a
    shortfall."""
    user = request.user
    item = _item_or_404(user, pk)
    years.require(permissions.can_link(user, item), item)
    return _save_item_form(
        request,
        item,
        LinksForm(request.POST, item=item),
        "links_form",
        lambda data: item_set_links(
            item=item, user=user, others=data["others"], expected_version=data["version"]
        ),
        saved=_("Links saved."),
    )


def _save_item_form(request, item, form, name: str, save, *, saved: str):
    """A form of the item page handed to its service: back to the item when saved (``save``
    returns whether anything changed); else the page again with the form and its errors,
    409 when the page was out of date, 400 otherwise."""
    status = 400
    if form.is_valid():
        try:
            changed = save(form.cleaned_data)
        except ValidationError as error:
            _refused(form, error)
        except StaleItem as error:
            _refused(form, error)
            status = 409
        else:
            messages.success(request, saved if changed else _("Nothing changed."))
            return redirect(item)
    return _render_item(
        request, selectors.item_for_page(request.user, item.pk), status=status, **{name: form}
    )


def _refused(form, error) -> None:
    """Put a service's refusal on the form, as non-field errors."""
    if isinstance(error, Conflict) or (isinstance(error, PermissionDenied) and error.args):
        form.add_error(None, str(error))
    else:
        for message in error.messages:
            form.add_error(None, message)


@require_POST
def item_review_view(request, pk: int):
    """Approve or return a submitted item (reviewers; never one's own submission)."""
    user = request.user
    item = _item_or_404(user, pk)
    if not permissions.is_reviewer(user):
        raise PermissionDenied
    form = ReviewForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            item_review(
                item=item,
                user=user,
                decision=form.cleaned_data["decision"],
                comment=form.cleaned_data["comment"],
                expected_version=form.cleaned_data["version"],
            )
        except PermissionDenied as error:
            if not error.args:
                raise
            _refused(form, error)
        except ValidationError as error:
            _refused(form, error)
        except StaleItem as error:
            _refused(form, error)
            status = 409
        else:
            approved = form.cleaned_data["decision"] == "approve"
            messages.success(
                request,
                (_("Approved: %(title)s") if approved else _("Returned to the unit: %(title)s"))
                % {"title": item.title},
            )
            return redirect((request.POST.get("next") == "queue" and "tracker:review") or item)
    if request.POST.get("next") == "queue":
        for error in form.non_field_errors():
            messages.error(request, _("%(item)s: %(error)s") % {"item": item.title, "error": error})
        return redirect("tracker:review")
    return _render_item(request, selectors.item_for_page(user, pk), review_form=form, status=status)


def _item_form_action(request, pk: int, *, allowed, form_class, form_name: str, act, success: str):
    """POST of one of the item page's small forms: check, validate, act, then back to the
    item with ``success``; a refusal re-renders the page with what was typed."""
    user = request.user
    item = _item_or_404(user, pk)
    years.require(allowed(user, item), item)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            act(item=item, user=user, **form.cleaned_data)
        except Conflict as error:
            _refused(form, error)
            return _render_item(request, item, status=409, **{form_name: form})
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(request, success)
            return redirect(item)
    return _render_item(request, item, status=400, **{form_name: form})


@require_POST
def item_extension_view(request, pk: int):
    """The lead unit asks for a later deadline."""
    return _item_form_action(
        request,
        pk,
        allowed=permissions.can_request_extension,
        form_class=ExtensionRequestForm,
        form_name="extension_form",
        act=extension_request,
        success=_("Extension requested; the rule-of-law office will decide."),
    )


@require_POST
def extension_decide_view(request, pk: int):
    """A reviewer grants or refuses an extension request."""
    user = request.user
    try:
        extension = selectors.extension_visible_to(user, pk)
    except ExtensionRequest.DoesNotExist:
        raise Http404(_("No such extension request.")) from None
    years.require(permissions.can_decide_extension(user, extension), extension)
    form = ExtensionDecisionForm(request.POST)
    if form.is_valid():
        try:
            extension_decide(
                extension=extension,
                user=user,
                grant=form.cleaned_data["grant"] == "yes",
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Extension decided: %(title)s") % {"title": extension.item.title})
            if request.POST.get("next") == "queue":
                return redirect("tracker:review")
            return redirect(extension.item)
    if request.POST.get("next") == "queue":
        for error in [*form.non_field_errors(), *form.errors.get("grant", [])]:
            messages.error(request, _("%(item)s: %(error)s") % {"item": extension.item.title, "error": error})
        return redirect("tracker:review")
    item = selectors.item_for_page(user, extension.item_id)
    return _render_item(request, item, decision_form=form, status=400)


@require_POST
def item_assign_view(request, pk: int):
    """A reviewer sets the item's units, responsible person and deadline."""
    user = request.user
    item = _item_or_404(user, pk)
    years.require(permissions.can_assign_item(user, item), item)
    form = AssignForm(request.POST, user=user)
    return _save_item_form(
        request,
        item,
        form,
        "assign_form",
        lambda data: items_assign(
            items=[item], user=user, changes=form.changes(), expected_version=data["version"]
        ),
        saved=_("Assignment saved."),
    )


def _bulk_action(request, *, allowed: bool, form, act, done, refused: str):
    """POST of the list's form for the ticked items: check, validate, act on all or none, then
    back to the list (``next``, a list address) with ``done`` (given the items acted on) or
    the errors and ``refused``."""
    if not allowed:
        raise PermissionDenied
    back = request.POST.get("next") or ""
    if not back.startswith("/items/"):
        back = reverse("tracker:items")
    if form.is_valid():
        try:
            acted = act(list(form.cleaned_data["items"]), form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            messages.error(request, refused)
        else:
            messages.success(request, done(len(acted)))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(back)


@require_POST
def items_bulk_assign_view(request):
    """A reviewer assigns the items ticked in the list, all in one transaction."""
    user = request.user
    form = BulkAssignForm(request.POST, items_queryset=selectors.items_visible_to(user), user=user)
    return _bulk_action(
        request,
        allowed=permissions.can_assign(user),
        form=form,
        act=lambda items, data: items_assign(items=items, user=user, changes=form.changes()),
        done=lambda count: _("Assignment saved for %(count)s items.") % {"count": count},
        refused=_("Nothing was changed."),
    )


# The searchable selects (tracker.widgets) load their options from these, a page at a time.
CHOICES_PER_PAGE = 20


def _choices_page(request, rows, label) -> JsonResponse:
    """``{"results": [{"value", "text"}], "more"}``: the first CHOICES_PER_PAGE rows, and
    whether more match (then the person types more to narrow them)."""
    found = list(rows[: CHOICES_PER_PAGE + 1])
    results = [{"value": row.pk, "text": label(row)} for row in found[:CHOICES_PER_PAGE]]
    return JsonResponse({"results": results, "more": len(found) > CHOICES_PER_PAGE})


def _search_text(request) -> str:
    if not permissions.can_search_choices(request.user):
        raise PermissionDenied
    return request.GET.get("q", "").strip()[:100]


@require_GET
def autocomplete_units(request):
    """Units to choose as lead or cooperating unit, matching ``?q=``."""
    return _choices_page(request, selectors.units_matching(_search_text(request), request.user), str)


@require_GET
def autocomplete_people(request):
    """People to make responsible, matching ``?q=``; with ``?unit=``, that unit's members."""
    text = _search_text(request)
    unit = request.GET.get("unit", "").strip()
    if unit and not is_id(unit):
        return JsonResponse({"error": _("Choose the unit from the list.")}, status=400)
    people = selectors.people_matching(text, unit_id=int(unit) if unit else None, user=request.user)
    return _choices_page(request, people, user_label)


@require_GET
def autocomplete_areas(request):
    """Areas of work, matching ``?q=``."""
    return _choices_page(request, selectors.areas_matching(_search_text(request)), str)


@require_POST
def item_instruction_view(request, pk: int):
    """A leader's instruction (批示) on an item."""
    return _item_form_action(
        request,
        pk,
        allowed=lambda user, item: permissions.can_instruct(user),
        form_class=InstructionForm,
        form_name="instruction_form",
        act=instruction_add,
        success=_("Instruction recorded; the unit sees it on its home page."),
    )


@require_POST
def item_chase_view(request, pk: int):
    """The office or a leader chases an item (催办)."""
    return _item_form_action(
        request,
        pk,
        allowed=permissions.can_chase_item,
        form_class=ChaseForm,
        form_name="chase_form",
        act=lambda item, user, note: items_chase(items=[item], user=user, note=note),
        success=_("Chased; the lead unit is told."),
    )


@require_POST
def items_bulk_chase_view(request):
    """The office or a leader chases the items ticked in the list, all or none."""
    user = request.user
    return _bulk_action(
        request,
        allowed=permissions.can_chase(user),
        form=BulkChaseForm(request.POST, items_queryset=selectors.items_visible_to(user)),
        act=lambda items, data: items_chase(items=items, user=user, note=data["note"]),
        done=lambda count: _("%(count)s items chased; their lead units are told.") % {"count": count},
        refused=_("Nothing was chased."),
    )


def _instruction_or_404(user, pk: int) -> Instruction:
    try:
        return selectors.instruction_visible_to(user, pk)
    except Instruction.DoesNotExist:
        raise Http404(_("No such instruction, or it is not one of yours.")) from None


@require_POST
def instruction_reply_view(request, pk: int):
    """The lead unit's reply (反馈) to a leader's instruction: a note and files. A refusal
    shows the item again with the note kept (files must be chosen again)."""
    user = request.user
    instruction = _instruction_or_404(user, pk)
    years.require(permissions.can_reply_instruction(user, instruction), instruction)
    form = InstructionReplyForm(request.POST, request.FILES, instruction=instruction)
    status = 400
    if upload_failed(request):
        form.add_error(None, str(EvidenceNotStored()))
        status = 503
    elif form.is_valid():
        try:
            instruction_reply(
                instruction=instruction,
                user=user,
                note=form.cleaned_data["note"],
                files=form.cleaned_data["files"],
            )
        except Conflict as error:
            _refused(form, error)
            status = 409
        except EvidenceNotStored as error:
            form.add_error(None, str(error))
            status = 503
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Reply sent; the leader sees it on the item."))
            return redirect(instruction.item)
    if status == 409:
        # Handled meanwhile: no form any more, so the conflict is said above the page.
        messages.error(request, form.non_field_errors()[0])
    item = selectors.item_for_page(user, instruction.item_id)
    return _render_item(request, item, status=status, reply_form=form)


@require_POST
def instruction_handle_view(request, pk: int):
    """The leader who gave an instruction, or a reviewer, marks it handled (办结)."""
    user = request.user
    instruction = _instruction_or_404(user, pk)
    years.require(permissions.can_handle_instruction(user, instruction), instruction)
    try:
        instruction_handle(instruction=instruction, user=user)
    except Conflict as error:
        messages.error(request, str(error))
        return _render_item(request, selectors.item_for_page(user, instruction.item_id), status=409)
    messages.success(request, _("Instruction marked handled."))
    return redirect(instruction.item)


@require_POST
def item_follow_view(request, pk: int):
    """Follow or unfollow an item (leaders and reviewers)."""
    user = request.user
    item = _item_or_404(user, pk)
    if not permissions.can_follow(user):
        raise PermissionDenied
    follow = request.POST.get("follow") == "1"
    item_follow(item=item, user=user, follow=follow)
    messages.success(request, _("Following this item.") if follow else _("No longer following this item."))
    return redirect(item)


@require_GET
@reviewer_required
def review_queue(request):
    """Submitted items waiting for a decision, oldest first, and pending extension requests."""
    user = request.user
    per_page = bounded_per_page(request.GET.get("per_page"), default=selectors.REVIEW_PAGE_SIZE)
    queue = selectors.review_queue(user, page=request.GET.get("page", 1), per_page=per_page)
    for item in queue:
        item.own = not permissions.can_review(user, item)
    extensions = selectors.pending_extensions(user)
    for extension in extensions:
        extension.own = not permissions.can_decide_extension(user, extension)
    return render(
        request,
        "tracker/review_queue.html",
        {
            "queue": queue,
            "extensions": extensions,
            "review_form": ReviewForm(),
            "decision_form": ExtensionDecisionForm(),
        },
    )


@require_GET
def evidence_download(request, pk: int):
    """Serve an evidence file to those who may see its item; always as a download."""
    return _evidence_response(request, pk, inline=False)


# The preview's page may do nothing but show the file: no script, no form, no request of
# its own but images; Chromium's PDF viewer runs under it (checked in Chromium 156).
PREVIEW_POLICY = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


@require_GET
def evidence_view(request, pk: int):
    """Open an evidence file in the browser (PDF, PNG, JPEG), to those who may see its item;
    any other file, or one whose content is not of its stored type, is downloaded instead."""
    return _evidence_response(request, pk, inline=True)


def _evidence_response(request, pk: int, *, inline: bool):
    """The file of evidence ``pk``, if ``request.user`` may see its item (404 otherwise). Its
    type is the one stored when the upload was checked, never the name's; ``inline`` shows it
    in the browser only when that type is previewable and the stored bytes still say so.

    Read through the default storage (the media folder or S3): streamed, or with
    ``S3_PRESIGNED`` a redirect to a short-lived signed S3 address with the same type and
    disposition (utilities/storage_files.py)."""
    try:
        evidence = selectors.evidence_visible_to(request.user, pk)
    except Evidence.DoesNotExist:
        raise Http404(_("No such file, or it is not one of yours.")) from None
    content_type = evidence.content_type or "application/octet-stream"
    try:
        handle = open_stored(evidence.file.name)
    except FileNotFoundError:
        raise Http404(_("The file is missing from storage; ask the administrator.")) from None
    if inline:
        inline = looks_like(evidence.content_type, handle.head(16))
    if presigned():
        handle.close()
        return HttpResponseRedirect(
            presigned_url(
                evidence.file.name, filename=evidence.original_name, content_type=content_type, inline=inline
            )
        )
    response = streamed_response(
        handle, filename=evidence.original_name, content_type=content_type, inline=inline
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = PREVIEW_POLICY if inline else "default-src 'none'; sandbox"
    return response
