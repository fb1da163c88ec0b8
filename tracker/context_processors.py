from . import permissions


def navigation(request):
    """The current user's role, for the navigation bar."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_role": None}
    return {"user_role": permissions.role_of(user)}
