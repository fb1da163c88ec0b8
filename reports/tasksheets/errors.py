"""What goes wrong reading a 任务分解表, in words fit for the person who sent it."""

from django.utils.translation import gettext as _

MAX_ROWS = 5000  # data rows; a county's 任务分解表 has tens to a few hundred


class TaskSheetError(ValueError):
    """The file cannot be read as a 任务分解表. The message is translated and fit for a user."""


def too_many_rows(row: int) -> str:
    return _(
        "The sheet has more than %(limit)s rows of data (reading stopped at row %(row)s). A "
        "task list has tens to a few hundred rows: check that this is the right file, or split "
        "it into several files and import each."
    ) % {"limit": f"{MAX_ROWS:,}", "row": row}
