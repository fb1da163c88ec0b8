from django import template

from tracker.workflow import status_label as _status_label

register = template.Library()


@register.filter
def status_label(status: str, kind: str) -> str:
    """``{{ update.status_to|status_label:item.kind }}``: 待整改 for a shortfall, 未开始 for a task."""
    return _status_label(kind, status)
