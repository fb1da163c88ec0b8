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
