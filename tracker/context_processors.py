from functools import partial

from . import governments, notices, permissions


def _unread(request, user) -> int:
    try:
        return request._inbox_unread
    except AttributeError:
        request._inbox_unread = notices.unread_count(user)
        return request._inbox_unread


def navigation(request):
    """The current user's role, and the count of his or her unread messages, for the
    navigation bar. The count is one query, made only when a page draws it and once per
    request however often it is drawn (none for an anonymous visitor)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {
            "user_role": None,
            "inbox_unread": 0,
            "inbox_unread_cap": notices.UNREAD_CAP,
            "government_in_view": None,
            "government_choices": (),
            "user_supervises": False,
        }
    return {
        "user_role": permissions.role_of(user),
        # Callables too: the government switch (a supervisor's) is read only where drawn.
        "government_in_view": partial(governments.government_in_view, request),
        "government_choices": partial(governments.government_choices, request),
        # Whether the menu offers the roll-up of the governments below (read where drawn).
        "user_supervises": partial(permissions.supervises, user),
        # A callable: templates call it when they draw it.
        "inbox_unread": partial(_unread, request, user),
        "inbox_unread_cap": notices.UNREAD_CAP,
    }
