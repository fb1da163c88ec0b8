"""The government in view: which government's years the year pages show.

Year URLs stay as they were (``/reports/<year>/``, ``/reports/<year>/export/<fmt>/``): they
mean the report of that year of the government in view. That is the person's own government
(``permissions.own_government``); a supervisor who sees governments below his own picks
another among them with ``?government=<pk>`` on any page (the select under the navigation
bar), kept in the session until he picks again. A choice outside what he sees is ignored,
never trusted: the rule of what may be seen stays ``permissions.government_q``.

A superuser with no government of his own sees the whole tree; his government in view starts
at the top of the tree.
"""

from __future__ import annotations

from . import permissions
from .models import Government
from .widgets import is_id

SESSION_KEY = "ledger_government_in_view"
PARAMETER = "government"


def government_in_view(request) -> Government | None:
    """The government whose years ``request``'s year pages show (kept on the request); None
    when the person sees no government at all."""
    try:
        return request._ledger_government_in_view
    except AttributeError:
        pass
    government = _government_in_view(request)
    request._ledger_government_in_view = government
    return government


def _government_in_view(request) -> Government | None:
    user = request.user
    if not user.is_authenticated:
        return None
    own = permissions.own_government(user)
    if not permissions.supervises(user):
        return own
    visible = Government.objects.filter(permissions.government_q(user, ""))
    wanted = request.GET.get(PARAMETER, "").strip()
    session = getattr(request, "session", None)
    if is_id(wanted):
        chosen = visible.filter(pk=int(wanted)).first()
        if chosen is not None:
            if session is not None:
                session[SESSION_KEY] = chosen.pk
            return chosen
    kept = session.get(SESSION_KEY) if session is not None else None
    if kept is not None and (own is None or kept != own.pk):
        chosen = visible.filter(pk=kept).first()
        if chosen is not None:
            return chosen
    if own is not None:
        return own
    return visible.order_by("path", "pk").first()


def government_choices(request) -> list[Government]:
    """The governments a supervisor may put in view, in tree order (each with ``depth`` for
    indenting); empty for somebody who sees only one."""
    user = request.user
    if not (user.is_authenticated and permissions.supervises(user)):
        return []
    governments = list(
        Government.objects.filter(permissions.government_q(user, "")).order_by("path", "pk")[:500]
    )
    return governments if len(governments) > 1 else []
