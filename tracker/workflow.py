"""The one status machine every item kind shares, and its labels per kind.

    not_started --> in_progress
    not_started, in_progress, returned --submit--> submitted
    submitted --approve--> done
    submitted --return---> returned --> in_progress

Unit staff (lead unit) and reviewers move items up to ``submitted``; only reviewers approve
or return (the review queue). Submitting is one step from every open status, with the note
and the evidence of that submission in its own history entry (not_started → submitted reads
"submitted for review", returned → submitted "resubmitted"); the progress form records notes
and the start of work. Achievements are records, done when imported: they never move.
Overdue is derived, never stored: see ``selectors``.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import ItemKind, ItemStatus

S = ItemStatus

# Tracked work: what the ledger follows up, counts and carries over. An achievement is the
# record of what a report says its year did: listed and exported, never counted in 办结率,
# 逾期 or 待审核, never carried over, never reminded of.
TRACKED_KINDS = (ItemKind.TASK, ItemKind.SHORTFALL, ItemKind.MEASURE)


def tracked_q(prefix: str = "") -> Q:
    """The condition "is tracked work" (not an achievement), on an item or, with ``prefix``
    (``"item__"``), on a related one. Every figure of the ledger counts through it."""
    return Q(**{f"{prefix}kind__in": TRACKED_KINDS})


# Moves anyone allowed to change an item's status may make from the progress form.
PROGRESS_MOVES: dict[str, tuple[str, ...]] = {
    S.NOT_STARTED: (S.IN_PROGRESS,),
    S.IN_PROGRESS: (),
    S.RETURNED: (S.IN_PROGRESS,),
    S.SUBMITTED: (),
    S.DONE: (),
}
# Statuses an item is submitted for review from ("提交审核", its own action), in one step.
SUBMIT_FROM: tuple[str, ...] = (S.NOT_STARTED, S.IN_PROGRESS, S.RETURNED)
# Moves made only by a reviewer's decision on a submission.
REVIEW_MOVES: dict[str, tuple[str, ...]] = {S.SUBMITTED: (S.DONE, S.RETURNED)}

# Shortfalls speak of rectification: 待整改 / 整改中 / 待验收 / 已退回 / 已销号.
SHORTFALL_LABELS = {
    S.NOT_STARTED: _("To rectify"),
    S.IN_PROGRESS: _("Rectifying"),
    S.SUBMITTED: _("Awaiting acceptance"),
    S.RETURNED: _("Returned"),
    S.DONE: _("Closed out"),
}


def progress_moves(status: str) -> tuple[str, ...]:
    """Statuses the progress form may move an item in ``status`` to."""
    return PROGRESS_MOVES.get(status, ())


def can_submit(status: str) -> bool:
    """Whether an item in ``status`` may be submitted for review."""
    return status in SUBMIT_FROM


def can_move(status_from: str, status_to: str) -> bool:
    """Whether a unit (or a reviewer) may move an item from ``status_from`` to ``status_to``:
    a progress move, or a submission. Approve and return are the review's (REVIEW_MOVES)."""
    if status_to == S.SUBMITTED:
        return can_submit(status_from)
    return status_to in progress_moves(status_from)


def status_label(kind: str, status: str) -> str:
    """The status as people say it for this kind of item."""
    if kind == ItemKind.SHORTFALL:
        return str(SHORTFALL_LABELS.get(status, status))
    try:
        return str(ItemStatus(status).label)
    except ValueError:
        return status


def other_units_label(count: int) -> str:
    """What stands in place of linked items the viewer may not see: how many, and nothing
    else (no title, state, unit or note). 其他单位事项 2 项."""
    return _("Items of other units: %(count)s") % {"count": count}


# Bootstrap colour of each status badge.
STATUS_COLOURS = {
    S.NOT_STARTED: "secondary",
    S.IN_PROGRESS: "primary",
    S.SUBMITTED: "warning",
    S.RETURNED: "danger",
    S.DONE: "success",
}
