from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_filters.views import FilterView
from django_tables2 import RequestConfig, SingleTableMixin

from . import permissions, selectors
from .choices import ItemStatus
from .exporting import csv_response, xlsx_response
from .filters import ItemFilter
from .forms import ProgressForm
from .models import Evidence, Item
from .services import StaleItem, item_add_progress
from .tables import ItemTable


@require_GET
@never_cache
@login_not_required
def healthz(request):
    """200 when the database answers, 503 otherwise (for load balancers and monitoring)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


class ItemListView(SingleTableMixin, FilterView):
    """All the items a person may see, filtered, sorted, paged, and exported as filtered.

    The status chips narrow by status and count every status under the other filters, so
    the filterset leaves status out and the view applies it.
    """

    table_class = ItemTable
    filterset_class = ItemFilter
    template_name = "tracker/item_list.html"
    table_pagination = {"per_page": 25}
    export_formats = ("csv", "xlsx")

    def own_units_only(self) -> bool:
        return self.request.GET.get("scope") != "all" and not permissions.sees_all_items(self.request.user)

    def status(self) -> str | None:
        status = self.request.GET.get("status")
        return status if status in ItemStatus.values else None

    def get_queryset(self):
        return selectors.items_for_list(self.request.user, own_units_only=self.own_units_only())

    def filtered(self):
        """Rows under every filter but status (the chips' base); none when a filter is invalid."""
        if self.filterset.is_bound and not self.filterset.is_valid():
            return Item.objects.none()
        return self.filterset.qs

    def get_table_data(self):
        rows = self.filtered()
        return rows.filter(status=self.status()) if self.status() else rows

    def status_counts(self) -> dict[str, int]:
        if not hasattr(self, "_status_counts"):
            self._status_counts = selectors.status_counts(self.filtered())
        return self._status_counts

    def get_table(self, **kwargs):
        table = self.get_table_class()(data=self.get_table_data(), **kwargs)
        # The chips' GROUP BY already counted the rows: no second COUNT(*) for the paginator.
        counts = self.status_counts()
        table.data._length = counts[self.status()] if self.status() else sum(counts.values())
        return RequestConfig(self.request, paginate=self.get_table_pagination(table)).configure(table)

    def get(self, request, *args, **kwargs):
        export = request.GET.get("_export")
        if export in self.export_formats:
            self.filterset = self.get_filterset(self.get_filterset_class())
            items = self.get_table_data().order_by("-year", "order", "pk")
            name = "items-" + selectors.today().isoformat()
            if export == "csv":
                return csv_response(items, name)
            return xlsx_response(items, name, title=_("Ledger items"))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = self.status_counts()
        current = self.status()
        context["status_chips"] = [
            {"value": value, "label": label, "count": counts[value], "active": current == value}
            for value, label in ItemStatus.choices
        ]
        context["chip_total"] = sum(counts.values())
        context["status_filtered"] = bool(current)
        context["own_units_only"] = self.own_units_only()
        context["can_widen"] = not permissions.sees_all_items(self.request.user)
        context["total"] = context["table"].paginator.count
        context["filter_active"] = any(self.request.GET.get(name) for name in self.filterset.filters)
        return context


def item_detail(request, pk: int):
    """The item: source text, units, deadline, status, links, timeline, and the progress form."""
    user = request.user
    try:
        item = selectors.item_for_page(user, pk)
    except Item.DoesNotExist:
        raise Http404(_("No such item, or it is not one of yours.")) from None
    form = None
    conflict = False
    can_add = permissions.can_add_progress(user, item) and not item.report.is_closed
    if request.method == "POST":
        if not can_add or (request.POST.get("status") and not permissions.can_change_status(user, item)):
            raise PermissionDenied
        form = ProgressForm(request.POST, request.FILES, item=item, user=user)
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
                # Show the current state; keep what the person typed (files must be chosen again).
                conflict = True
                item = selectors.item_for_page(user, pk)
                note = form.cleaned_data["note"]
                form = ProgressForm(
                    {"note": note, "status": "", "version": item.version}, item=item, user=user
                )
                form.add_error(None, str(stale))
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("Progress saved."))
                return redirect(item)
    if form is None and can_add:
        form = ProgressForm(item=item, user=user)
    return render(
        request,
        "tracker/item_detail.html",
        {
            "item": item,
            "path": selectors.section_path(item),
            "carried_to": selectors.item_carried_to(item),
            "timeline": selectors.item_timeline(item),
            "form": form,
            "can_change_status": permissions.can_change_status(user, item),
        },
        status=409 if conflict else 200,
    )


def evidence_download(request, pk: int):
    """Serve an evidence file to those who may see its item; always as a download."""
    try:
        evidence = selectors.evidence_visible_to(request.user, pk)
    except Evidence.DoesNotExist:
        raise Http404(_("No such file, or it is not one of yours.")) from None
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file is missing from storage; ask the administrator.")) from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
