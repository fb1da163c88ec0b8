from django import template
from django.utils import timezone
from django.utils.html import format_html

from tracker.workflow import other_units_label
from tracker.workflow import status_label as _status_label

register = template.Library()


@register.filter
def status_label(status: str, kind: str) -> str:
    """``{{ update.status_to|status_label:item.kind }}``: 待整改 for a shortfall, 未开始 for a task."""
    return _status_label(kind, status)


@register.simple_tag
def other_units(count: int):
    """``{% other_units item.hidden_measures %}``: the neutral line that stands in place of
    linked items the viewer may not see (其他单位事项 N 项), muted."""
    return format_html('<span class="text-body-secondary other-units">{}</span>', other_units_label(count))


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
    """The item list's rows, drawn in Python: the page's most repeated markup, several times
    faster than the same cells through the template engine (or through format_html, whose
    lazy-aware escaping costs more than the cell itself). Every value is escaped here with
    ``html.escape``. Keep the cells in the order of ``ItemTable.Meta.fields``."""
    from html import escape

    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext

    from tracker.models import Item
    from tracker.selectors import cooperating_unit_names

    overdue = f'<span class="badge text-bg-danger">{escape(gettext("Overdue"))}</span>'
    unsure = f' <span class="badge text-bg-warning">{escape(gettext("Shortfall to confirm"))}</span>'
    select_label = escape(gettext("Select"))
    ongoing = escape(gettext("Ongoing"))  # no fixed deadline: reviewed at the end of the year
    kinds = {value: escape(str(label)) for value, label in Item._meta.get_field("kind").flatchoices}
    # An achievement is the year's record, not work: its own muted badge, so that tracked work
    # reads at a glance.
    kinds["achievement"] = f'<span class="badge kind-achievement">{kinds["achievement"]}</span>'
    url_of = _item_url_maker()
    timezone_now = timezone.get_current_timezone()
    items = [row.record for row in table.paginated_rows]
    cooperating_units = cooperating_unit_names([item.pk for item in items]) if items else {}
    rows = []
    for item in items:
        cells = []
        if table.bulk and item.kind == "achievement":  # a record: never assigned
            cells.append('<td class="d-print-none"></td>')
        elif table.bulk:
            cells.append(
                f'<td class="d-print-none"><input class="form-check-input" type="checkbox" name="items" '
                f'value="{item.pk}" form="bulk-assign" aria-label="{select_label} {escape(item.title)}"></td>'
            )
        person = item.responsible_label
        cooperating = "、".join(cooperating_units.get(item.pk, ()))
        updated = item.updated_at.astimezone(timezone_now)
        cells.append(
            f'<td class="text-nowrap">{item.year}</td>'
            f"<td>{escape(item.area.name) if item.area else ''}</td>"
            f'<td class="text-nowrap">{kinds.get(item.kind, escape(item.kind))}</td>'
            f'<td class="item-title"><a href="{url_of(item.pk)}">{escape(item.title)}</a>'
            f"{unsure if item.link_unsure else ''}</td>"
            f"<td>{escape(item.lead_unit.name) if item.lead_unit else '—'}</td>"
            f"<td>{escape(cooperating) or '—'}</td>"
            f"<td>{escape(person) or '—'}</td>"
            f'<td class="text-nowrap">{item.due_on.isoformat() if item.due_on else ongoing if item.ongoing else "—"}</td>'
            f'<td class="text-nowrap"><span class="badge text-bg-{item.status_colour}">'
            f"{escape(item.status_label)}</span></td>"
            f'<td class="text-nowrap">{overdue if item.is_overdue else ""}</td>'
            f'<td class="text-nowrap">{updated:%Y-%m-%d %H:%M}</td>'
        )
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return mark_safe("\n".join(rows))


def _item_url_maker():
    """``pk -> /items/<pk>/`` with one reverse() for the whole table (same URL as
    Item.get_absolute_url, including any script prefix)."""
    from django.urls import reverse

    head, _, tail = reverse("tracker:item", args=[987654321]).partition("987654321")
    return lambda pk: f"{head}{pk}{tail}"
