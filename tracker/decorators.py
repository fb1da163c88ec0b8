"""View guards built on tracker.permissions."""

from functools import wraps

from django.core.exceptions import PermissionDenied

from . import permissions


def reviewer_required(view):
    """403 for logged-in users who are not reviewers (anonymous ones never get here)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not permissions.can_manage_years(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def supervisor_required(view):
    """403 for logged-in users who supervise no government below their own (the roll-ups:
    ``permissions.supervises``): a county's reviewer, any unit staff."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not permissions.supervises(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
