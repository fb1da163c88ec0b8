from django import template
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


@register.simple_tag
def form_field(field):
    """A form field with its label, errors and help text (Bootstrap markup), written in
    Python: the item page draws a dozen, and an include per field cost a tenth of the page."""
    from django.utils.html import conditional_escape
    from django.utils.safestring import mark_safe

    errors = field.errors
    field_id = conditional_escape(field.id_for_label)
    label = conditional_escape(field.label)
    if getattr(field.field.widget, "input_type", None) == "checkbox":
        invalid = " is-invalid" if errors else ""
        checked = " checked" if field.value() else ""
        feedback = "".join(f'<div class="invalid-feedback">{conditional_escape(e)}</div>' for e in errors)
        return mark_safe(
            f'<div class="form-check mb-3">\n  <input class="form-check-input{invalid}" type="checkbox" '
            f'name="{conditional_escape(field.html_name)}" id="{field_id}"{checked}>\n'
            f'  <label class="form-check-label" for="{field_id}">{label}</label>\n  {feedback}\n</div>'
        )
    feedback = "".join(f'<div class="invalid-feedback d-block">{conditional_escape(e)}</div>' for e in errors)
    help_text = (
        f'<div class="form-text">{conditional_escape(field.help_text)}</div>' if field.help_text else ""
    )
    return mark_safe(
        f'<div class="mb-3">\n  <label class="form-label" for="{field_id}">{label}</label>\n'
        f"  {field.as_widget()}\n  {feedback}\n  {help_text}\n</div>"
    )


@register.simple_tag
def form_errors(form):
    """A form's own errors (not a field's), as one alert; nothing when there are none."""
    from django.utils.html import conditional_escape
    from django.utils.safestring import mark_safe

    errors = form.non_field_errors() if form else ()
    if not errors:
        return ""
    lines = "".join(f"<div>{conditional_escape(error)}</div>" for error in errors)
    return mark_safe(f'<div class="alert alert-danger" role="alert">{lines}</div>')
