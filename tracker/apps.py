from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tracker"
    verbose_name = _("Ledger")

    def ready(self):
        import config.checks  # noqa: F401 - register the project's system checks

        from . import signals  # noqa: F401 - connect the receivers
