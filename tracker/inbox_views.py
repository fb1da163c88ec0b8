"""The message centre's pages (/inbox/): a person's own messages, marked read one by one when
opened, or all at once. The messages are written by the services (tracker/notices.py)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from . import notices
from .filters import MessageFilter
from .paging import ShallowPaginator, bounded_per_page
from .selectors import items_visible_to

INBOX_PAGE_SIZE = 25


@require_GET
def inbox(request):
    """The user's messages, newest first, filtered by kind or to the unread ones."""
    mine = notices.inbox(request.user)
    filterset = MessageFilter(request.GET or None, queryset=mine)
    rows = filterset.qs if not filterset.is_bound or filterset.is_valid() else mine.none()
    per_page = bounded_per_page(request.GET.get("per_page"), default=INBOX_PAGE_SIZE)
    number = request.GET.get("page")
    page = ShallowPaginator(rows, per_page, number=number).get_page(number)
    page.object_list = list(page.object_list)
    _mark_items_out_of_reach(request.user, page.object_list)
    return render(
        request,
        "tracker/inbox.html",
        {"filter": filterset, "page": page},
    )


def _mark_items_out_of_reach(user, page_messages) -> None:
    """Set ``item_visible`` on each message: False when its item has since moved out of what
    ``user`` may see (another unit leads it now), so that the page names it no more than the
    item's own page would (one query for the page)."""
    wanted = {message.item_id for message in page_messages}
    visible = set(items_visible_to(user).filter(pk__in=wanted).values_list("pk", flat=True))
    for message in page_messages:
        message.item_visible = message.item_id in visible


def _back(request):
    """Where the form asked to go back to (the inbox page it was sent from), if on this site."""
    back = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return back if back and safe else None


@require_POST
def inbox_read(request, pk: int):
    """Mark one message read, then open its item (or go back to the inbox when asked to)."""
    message = notices.message_open(user=request.user, pk=pk)
    back = _back(request)
    return redirect(back) if back else redirect("tracker:item", pk=message.item_id)


@require_POST
def inbox_read_all(request):
    """Mark all the user's messages read."""
    count = notices.messages_mark_all_read(user=request.user)
    messages.success(
        request,
        ngettext("%(count)s message marked read.", "%(count)s messages marked read.", count)
        % {"count": count},
    )
    return redirect(_back(request) or "tracker:inbox")
