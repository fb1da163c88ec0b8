"""Production mode needs DJANGO_SECRET_KEY: where it is used, not when settings load.

Settings leave the key empty in production mode when it is not set, so that commands that
never sign anything (makemigrations, migrate, collectstatic) still run; a settings module
that raised would be swallowed by Django's command runner and end in a misleading "Models
aren't loaded yet". The application servers refuse to start (``refuse_without_secret_key``,
called by config/wsgi.py and config/asgi.py) and ``check --deploy`` fails, both with the
message below.
"""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

MISSING_SECRET_KEY = (
    "DJANGO_SECRET_KEY is not set. Production mode (DJANGO_DEBUG unset) refuses to start "
    "without a secret key: set DJANGO_SECRET_KEY to a long random string, or set "
    "DJANGO_DEBUG=1 for development."
)


def secret_key_missing() -> bool:
    try:
        return not settings.SECRET_KEY
    except ImproperlyConfigured:  # Django refuses to hand out an empty key
        return True


def refuse_without_secret_key() -> None:
    """Stop an application server from starting without a secret key."""
    if secret_key_missing():
        raise ImproperlyConfigured(MISSING_SECRET_KEY)


@register(Tags.security, deploy=True)
def check_secret_key_set(app_configs, **kwargs):
    return [Error(MISSING_SECRET_KEY, id="ledger.E001")] if secret_key_missing() else []


WEBHOOK_KINDS = ("wecom", "dingtalk", "json")


@register()
def check_webhook_kind(app_configs, **kwargs):
    """LEDGER_WEBHOOK_KIND must name a format tracker.pushes knows."""
    from django.conf import settings

    if settings.LEDGER_WEBHOOK_URL and settings.LEDGER_WEBHOOK_KIND not in WEBHOOK_KINDS:
        return [
            Error(
                f"LEDGER_WEBHOOK_KIND is {settings.LEDGER_WEBHOOK_KIND!r}; it must be one of {', '.join(WEBHOOK_KINDS)}.",
                id="ledger.E002",
            )
        ]
    return []
