from django import template
from django.utils import timezone
from django.utils.html import format_html

from tracker.workflow import status_label as _status_label

register = template.Library()


@register.filter
def status_label(status: str, kind: str) -> str:
    """``{{ update.status_to|status_label:item.kind }}``: 待整改 for a shortfall, 未开始 for a task."""
    return _status_label(kind, status)


@register.filter
def percent(value) -> str:
    """A rate from tracker.scoreboard (Decimal or None) as ``87.5%`` or ``—``."""
    return "—" if value is None else f"{value}%"


@register.simple_tag(takes_context=True)
def sort_header(context, label, key, current, css=""):
    """A <th> whose link sorts the table by ``key`` (a second click reverses)."""
    request = context["request"]
    query = request.GET.copy()
    query["sort"] = f"-{key}" if current == key else key
    arrow = " ▲" if current == key else (" ▼" if current == f"-{key}" else "")
    sort_state = "ascending" if current == key else ("descending" if current == f"-{key}" else "none")
    return format_html(
        '<th scope="col" class="{}" aria-sort="{}"><a class="text-reset" href="?{}">{}{}</a></th>',
        css,
        sort_state,
        query.urlencode(),
        label,
        arrow,
    )


@register.simple_tag
def item_rows(table):
    """The item list's rows, drawn in Python: the page's most repeated markup, about five
    times faster than the same cells through the template engine. Keep the cells in the
    order of ``ItemTable.Meta.fields``."""
    from django.utils.dateformat import format as date_format
    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext

    overdue = format_html('<span class="badge text-bg-danger">{}</span>', gettext("Overdue"))
    select_label = gettext("Select")
    rows = []
    for row in table.paginated_rows:
        item = row.record
        cells = []
        if table.bulk:
            cells.append(
                format_html(
                    '<td class="d-print-none"><input class="form-check-input" type="checkbox" name="items" '
                    'value="{}" form="bulk-assign" aria-label="{} {}"></td>',
                    item.pk,
                    select_label,
                    item.title,
                )
            )
        person = item.assignee
        cooperating = "、".join(unit.short_name or unit.name for unit in item.cooperating_units.all())
        cells.append(
            format_html(
                '<td class="text-nowrap">{}</td><td>{}</td><td class="text-nowrap">{}</td>'
                '<td class="item-title"><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td>'
                '<td class="text-nowrap">{}</td>'
                '<td class="text-nowrap"><span class="badge text-bg-{}">{}</span></td>'
                '<td class="text-nowrap">{}</td><td class="text-nowrap">{}</td>',
                item.year,
                item.area.name if item.area else "",
                item.get_kind_display(),
                item.get_absolute_url(),
                item.title,
                item.lead_unit.name if item.lead_unit else "—",
                cooperating or "—",
                (person.get_full_name() or person.get_username()) if person else "—",
                date_format(item.due_on, "Y-m-d") if item.due_on else "—",
                item.status_colour,
                item.status_label,
                overdue if item.is_overdue else "",
                date_format(timezone.localtime(item.updated_at), "Y-m-d H:i"),
            )
        )
        rows.append(format_html("<tr>{}</tr>", mark_safe("".join(cells))))
    return mark_safe("\n".join(rows))
