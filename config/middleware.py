"""Project middleware."""


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
