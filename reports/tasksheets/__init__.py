"""Read a 任务分解表 (the year's task list the 法治办 sends out each spring) into plain data.

Bytes in (.xlsx, a .docx table, .csv in UTF-8 or GB18030), dataclasses out. Nothing here
touches the database or HTTP, as in ``reports.importing``::

    sheet = read_task_sheet(data, year=2021, directory=[UnitName(key=1, names=["县司法局", "司法局"])])
    for row in sheet.rows:
        row.title, row.lead_key, row.cooperating_keys, row.due_on, row.ongoing, row.problems
"""

from .deadlines import Deadline, read_deadline
from .errors import TaskSheetError
from .model import ParsedSheet, SkippedRow, TaskRow, UnitName
from .parse import MAX_ROWS, read_task_sheet, title_of
from .people import Person, read_person
from .reading import MAX_BYTES
from .units import UnitMention, read_units

__all__ = [
    "MAX_BYTES",
    "MAX_ROWS",
    "Deadline",
    "ParsedSheet",
    "Person",
    "SkippedRow",
    "TaskRow",
    "TaskSheetError",
    "UnitMention",
    "UnitName",
    "read_deadline",
    "read_person",
    "read_task_sheet",
    "read_units",
    "title_of",
]
