from django import template
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tracker import lights, permissions
from tracker.workflow import other_units_label
from tracker.workflow import status_label as _status_label
from utilities.people import user_label

register = template.Library()

# The role as the navigation bar names it.
ROLE_LABELS = {
    permissions.ROLE_REVIEWER: _("Reviewer"),
    permissions.ROLE_LEADER: _("Leader"),
    permissions.ROLE_STAFF: _("Unit staff"),
}


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
def light_badge(light) -> str:
    """``{{ item.light|light_badge }}``: the light's dot and words (红灯); nothing for none."""
    return lights.light_badge(lights.Light(light)) if light else ""


@register.filter
def abs_days(value: int) -> int:
    """``{{ item.days_left|abs_days }}``: days past a deadline, counted up from one."""
    return abs(value)


@register.filter
def percent(value) -> str:
    """A rate from reports.scoreboard (Decimal or None) as ``87.5%`` or ``—``."""
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


@register.simple_tag(takes_context=True)
def print_person(context) -> str:
    """``{% print_person %}``: who prints the page, as its printed header names them: the name
    and role, and for unit staff their units (张三（县司法局 · 经办人）). Reviewers and leaders
    act for the whole county, so their role says it; their units would cost every page a query."""
    user = context["user"]
    role = context.get("user_role")
    about = permissions.unit_names(user) if role == permissions.ROLE_STAFF else []
    if role in ROLE_LABELS:
        about.append(str(ROLE_LABELS[role]))
    name = user_label(user)
    return f"{name}（{' · '.join(about)}）" if about else name
