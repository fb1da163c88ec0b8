"""Project middleware."""

from django.conf import settings
from django.shortcuts import render
from django.utils.cache import patch_cache_control


class ChineseByDefaultMiddleware:
    """Serve Simplified Chinese unless the user chose another language with the switch.

    Browsers send Accept-Language from the PC's locale, and an office PC set to English must
    still show the county's Chinese interface. The choice made with the language switch
    (a cookie) still wins, because LocaleMiddleware reads the cookie first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """A Content-Security-Policy on every response that sets none of its own: scripts only
    from the app's own static files (no inline script anywhere), no framing, forms posted
    only to the app. Inline style attributes stay allowed (the outline's indents use them)."""

    POLICY = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.POLICY)
        return response


class IdleTimeoutMiddleware:
    """Log out a session that has been idle longer than SESSION_IDLE_SECONDS (2 hours).

    The session's absolute lifetime is SESSION_COOKIE_AGE (12 hours from login). The time of
    the last request is written at most once a minute, so that reading pages writes nothing.
    """

    WRITE_EVERY = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import time

        from django.conf import settings
        from django.contrib import messages
        from django.contrib.auth import logout
        from django.utils.translation import gettext as _

        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get("last_seen")
            if last is not None and now - last > settings.SESSION_IDLE_SECONDS:
                logout(request)
                messages.info(
                    request, _("You were logged out after two hours without activity. Please log in again.")
                )
            elif last is None or now - last > self.WRITE_EVERY:
                request.session["last_seen"] = now
        return self.get_response(request)


class RefusalLogMiddleware:
    """Record each request refused to a logged-in person (403, 404) in tracker.AccessRefusal,
    for the administrators (and reviewers) to read in the admin."""

    LOGGED = (403, 404)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if response.status_code in self.LOGGED and user is not None and user.is_authenticated:
            from tracker.models import AccessRefusal

            AccessRefusal.objects.create(
                user=user,
                method=request.method[:10],
                path=request.get_full_path()[:500],
                status=response.status_code,
                ip_address=client_address(request),
            )
        return response


def client_address(request) -> str | None:
    """The client's address as login lockouts count it: REMOTE_ADDR, or behind
    DJANGO_AXES_PROXY_COUNT proxies the address the outermost one saw (config/settings.py)."""
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request)


class RequestSizeLimitMiddleware:
    """Refuse a request whose body is over the limit (413, a short page) by its Content-Length,
    before anything reads it: nothing is spooled to disk or parsed.

    Someone not logged in may send ANONYMOUS_MAX_REQUEST_BYTES (the login form needs a few
    hundred bytes); a logged-in person MAX_REQUEST_BYTES (DJANGO_MAX_REQUEST_MB: several
    evidence files at once). Placed after AuthenticationMiddleware (which reads no body) to
    know who is asking; CSRF reads the body only in process_view, after every middleware's
    __call__, and the views after that.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body without a usable Content-Length
        if length > min(settings.ANONYMOUS_MAX_REQUEST_BYTES, settings.MAX_REQUEST_BYTES):
            user = getattr(request, "user", None)
            logged_in = user is not None and user.is_authenticated
            limit = settings.MAX_REQUEST_BYTES if logged_in else settings.ANONYMOUS_MAX_REQUEST_BYTES
            if length > limit:
                # The unread body is the WSGI server's to discard (or the connection to close).
                context = {"logged_in": logged_in, "limit_mb": settings.MAX_REQUEST_BYTES // (1024 * 1024)}
                return render(request, "413.html", context, status=413)
        return self.get_response(request)


class NoStoreMiddleware:
    """``Cache-Control: no-store, private`` on every response the app makes: its pages, exports,
    evidence downloads and JSON show ledger data that must not stay in a shared proxy's or
    the browser's cache (a shared office PC). Placed after WhiteNoise, which answers static
    files itself, so they keep their long cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        return response


class MethodNotAllowedPageMiddleware:
    """A 405 (a POST-only address opened as a link: Django's require_POST and class-based
    views answer with an empty HttpResponseNotAllowed) drawn as the site's 405 page, keeping its
    Allow header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.http import HttpResponseNotAllowed

        response = self.get_response(request)
        if isinstance(response, HttpResponseNotAllowed) and not response.content:
            page = render(request, "405.html", status=405)
            page["Allow"] = response["Allow"]
            return page
        return response


class ConflictMiddleware:
    """The last answer to a race that a view did not answer itself: a Conflict from a service,
    or an IntegrityError that a unique constraint raised (two people created the same row at
    the same moment; the constraint kept the data whole). A 409 page that says so, in place
    of "Server Error", with a link back to the page the form was on (its Referer, when it is
    this site's), which shows it as it is now. The IntegrityError is still logged, since a
    view should have caught it.

    A write into a closed year that no view answered (tracker.years.YearClosed: a form sent
    from a page opened before the year was closed) gets a 400 page with its message, the
    same link back.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        import logging

        from django.db import IntegrityError
        from django.shortcuts import render
        from django.utils.translation import gettext as _

        from tracker.services import Conflict
        from tracker.years import YearClosed

        if isinstance(exception, YearClosed):
            return render(
                request, "year_closed.html", {"message": str(exception), "back": _back(request)}, status=400
            )
        if isinstance(exception, Conflict):
            message = str(exception)
        elif isinstance(exception, IntegrityError):
            logging.getLogger("django.request").error(
                "Integrity error answered as a conflict: %s %s",
                request.method,
                request.path,
                exc_info=exception,
            )
            message = _(
                "Someone else changed the same record at the same moment, so your change was not saved. "
                "Go back, reload the page and try again."
            )
        else:
            return None
        return render(request, "409.html", {"message": message, "back": _back(request)}, status=409)


def _back(request) -> str:
    """The page a refused form was sent from (its Referer), when it is this site's; else ""."""
    from django.utils.http import url_has_allowed_host_and_scheme

    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    return back
