"""django-rq's queue page is taken out of the admin: it needs Redis to draw, and the admin must
work without it (an administrator watches the queue with `rq info` instead)."""

from django.contrib import admin
from django_rq.models import Dashboard

if admin.site.is_registered(Dashboard):
    admin.site.unregister(Dashboard)
