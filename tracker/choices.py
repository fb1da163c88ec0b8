"""Closed sets of values used by the tracker's models."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    DEPARTMENT = "department", _("County department")
    TOWNSHIP = "township", _("Township")
    OFFICE = "office", _("Office")


class Framework(models.TextChoices):
    OUTLINE_2015 = "2015-2020", _("Implementation Outline 2015-2020")
    OUTLINE_2021 = "2021-2025", _("Implementation Outline 2021-2025")
    CROSS_CUTTING = "cross", _("Cross-cutting")


class ItemKind(models.TextChoices):
    TASK = "task", _("Task")
    SHORTFALL = "shortfall", _("Shortfall")
    MEASURE = "measure", _("Measure")
    # Work a report says its year achieved: recorded done, never tracked, never carried over.
    ACHIEVEMENT = "achievement", _("Achievement")


class ItemStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Submitted for review")
    RETURNED = "returned", _("Returned")
    DONE = "done", _("Done")


class ReviewDecision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    RETURN = "return", _("Return")


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    GOOD = "good", _("Good")
    FAIR = "fair", _("Fair")


class UpdateKind(models.TextChoices):
    """What a history entry records."""

    PROGRESS = "progress", _("Progress")
    REVIEW = "review", _("Review decision")
    ASSIGNMENT = "assignment", _("Assignment")
    EXTENSION = "extension", _("Deadline extension")
    IMPORT = "import", _("Imported")
    # A leader's instruction (批示) as a small case: the lead unit's reply (反馈), and its
    # marking as handled (办结). Such entries point at their instruction.
    REPLY = "reply", _("Reply to an instruction")
    HANDLED = "handled", _("Instruction handled")
    # The office or a leader chases the item (催办); the entry points at its Chase.
    CHASED = "chased", _("Chased")
    # Overdue past the escalation days: its lead unit's head, then its area's leaders, are
    # told (tracker/escalation.py). Written by the ledger itself, no author.
    ESCALATED = "escalated", _("Escalated")


class ExtensionDecision(models.TextChoices):
    PENDING = "pending", _("Pending")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")


class MessageKind(models.TextChoices):
    """What a message of the message centre tells (tracker/notices.py). Stored: keep the codes."""

    SUBMITTED = "submitted", _("Submitted for review")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")
    INSTRUCTION = "instruction", _("Leader's instruction")
    INSTRUCTION_REPLY = "instruction_reply", _("Reply to an instruction")
    INSTRUCTION_HANDLED = "instruction_handled", _("Instruction handled")
    EXTENSION_DECIDED = "extension_decided", _("Extension decided")
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    CHASED = "chased", _("Chased")
    ESCALATED = "escalated", _("Escalated")


class GovernmentLevel(models.TextChoices):
    """Where a government stands in the tree (省 → 市 → 县/区 → 乡镇/街道), or a department that
    files its own reports."""

    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County (district)")
    TOWNSHIP = "township", _("Township (subdistrict)")
    DEPARTMENT = "department", _("Department")
