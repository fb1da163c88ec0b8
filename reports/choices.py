"""Closed sets of values used by annual reports."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class SectionKind(models.TextChoices):
    WORK = "work", _("Measures and results")
    LEADERS_DUTY = "leaders_duty", _("Leaders' duty")
    SHORTFALLS = "shortfalls", _("Shortfalls")
    PLANS = "plans", _("Plans")
    SHORTFALLS_AND_PLANS = "shortfalls_and_plans", _("Shortfalls and plans")
    OTHER = "other", _("Other")
    CONTEXT = "context", _("Context")
