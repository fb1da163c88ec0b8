"""Signal receivers: keep cached choice lists true when units, memberships or users change;
start the idle clock at login."""

import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .forms import ASSIGNMENT_CHOICES_KEY
from .models import Membership, Unit


@receiver([post_save, post_delete], sender=Unit)
@receiver([post_save, post_delete], sender=Membership)
@receiver([post_save, post_delete], sender=settings.AUTH_USER_MODEL)
def forget_assignment_choices(**kwargs):
    cache.delete(ASSIGNMENT_CHOICES_KEY)


@receiver(user_logged_in)
def start_idle_clock(sender, request, user, **kwargs):
    """The idle timeout (config.middleware.IdleTimeoutMiddleware) counts from the login."""
    if request is not None and hasattr(request, "session"):
        request.session["last_seen"] = int(time.time())
