"""Signal receivers: start the idle clock at login."""

import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver


@receiver(user_logged_in)
def start_idle_clock(sender, request, user, **kwargs):
    """The idle timeout (config.middleware.IdleTimeoutMiddleware) counts from the login."""
    if request is not None and hasattr(request, "session"):
        request.session["last_seen"] = int(time.time())
