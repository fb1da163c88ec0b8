"""Pages the project answers itself outside any app: a refused form's CSRF check.

The other error pages (400, 403, 404, 500) are Django's own handlers, which render
templates/<status>.html; a 405 is drawn by config.middleware.MethodNotAllowedPageMiddleware.
"""

from django.shortcuts import render


def csrf_failure(request, reason=""):
    """A form refused by the CSRF check (CSRF_FAILURE_VIEW): the site's page saying so, with the
    menu (Django's own renders its template with no request, so with no user and no menu)."""
    return render(request, "403_csrf.html", status=403)
