from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from reports.importing.metrics import extract_metrics

register = template.Library()


@register.filter
def highlight_metrics(text: str):
    """The text, escaped, with each quantity (1202项, 1200余人次 …) in a <mark>."""
    text = text or ""
    parts, position = [], 0
    for metric in extract_metrics(text):
        parts.append(conditional_escape(text[position : metric.start]))
        parts.append(format_html('<mark class="metric">{}</mark>', text[metric.start : metric.end]))
        position = metric.end
    parts.append(conditional_escape(text[position:]))
    return mark_safe("".join(parts))  # every piece above is escaped


@register.filter
def indent(level) -> str:
    """A left padding for an outline level (in rem)."""
    try:
        return f"{max(0, int(level) - 1) * 1.5:.1f}rem"
    except (TypeError, ValueError):
        return "0rem"
