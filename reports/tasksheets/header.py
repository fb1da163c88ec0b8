"""The header row: where it is (anywhere in the first rows) and which column is which.

Columns come in any order under their usual names; spaces and line breaks inside a header
cell (完成\n时限, 牵 头 单 位) and remarks in brackets (完成时限（年月）) do not matter. A header
of two rows (责任单位 over 牵头单位 | 配合单位) is read as one.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from .model import COOPERATING, DEADLINE, LEAD, NOTE, NUMBER, RESPONSIBLE, SECTION, TASK

HEADER_SCAN = 15  # rows searched for the header
MAX_HEADER_LENGTH = 12  # a longer cell is a title or a task, not a column's name

# Each role's names, the most usual first. Matched whole, then as part of a longer header
# (工作任务及措施), the longest name first.
NAMES: dict[str, tuple[str, ...]] = {
    NUMBER: ("序号", "编号", "序"),
    TASK: (
        "工作任务",
        "重点任务",
        "任务内容",
        "工作措施",
        "工作内容",
        "主要任务",
        "具体任务",
        "任务名称",
        "工作事项",
        "具体措施",
        "主要措施",
        "工作要点",
        "主要内容",
        "任务",
        "措施",
    ),
    LEAD: ("牵头单位", "责任单位", "主办单位", "牵头部门", "责任部门", "主责单位", "承办单位"),
    COOPERATING: ("配合单位", "协办单位", "配合部门", "协办部门", "参与单位", "协同单位"),
    RESPONSIBLE: ("责任人", "具体责任人", "责任领导", "分管领导", "联系人"),
    DEADLINE: ("完成时限", "时间节点", "完成时间", "完成期限", "时限要求", "时间要求", "时限", "进度安排"),
    NOTE: ("备注", "说明"),
    SECTION: ("领域", "类别", "分类", "板块"),
}
_BY_LENGTH = sorted(
    ((name, role) for role, names in NAMES.items() for name in names), key=lambda pair: -len(pair[0])
)
_EXACT = {name: role for role, names in NAMES.items() for name in names}
_SPACE = re.compile(r"[\s\u3000]+")
_BRACKETS = re.compile(r"[（(][^（）()]*[）)]")


def normalise(value: object) -> str:
    if value is None:
        return ""
    text = _SPACE.sub("", str(value))
    return _BRACKETS.sub("", text) or text


def role_of(value: object) -> str | None:
    """The role a header cell names, or None."""
    text = normalise(value)
    if not text or len(text) > MAX_HEADER_LENGTH:
        return None
    if text in _EXACT:
        return _EXACT[text]
    for name, role in _BY_LENGTH:
        if len(name) >= 2 and name in text:
            return role
    return None


def read_header(values: list[object]) -> dict[int, str]:
    """{column: role} for a row, if it reads as a header (a task column, and a lead unit or a
    deadline column); else {}. Merged cells repeat: only the first column of a role counts,
    except the task column, whose last one counts (重点任务 | 工作措施: the measure is the task)."""
    columns: dict[int, str] = {}
    for column, value in enumerate(values):
        role = role_of(value)
        if role is not None:
            columns[column] = role
    roles = set(columns.values())
    if TASK not in roles or not roles & {LEAD, DEADLINE}:
        return {}
    return columns


def combine(first: dict[int, str], second_values: list[object]) -> dict[int, str] | None:
    """A second header row under the first (责任单位 over 牵头单位 | 配合单位): the two read as
    one, the lower row's names winning. None when the row below is not a header row."""
    second = {column: role_of(value) for column, value in enumerate(second_values)}
    named = {column: role for column, role in second.items() if role is not None}
    filled = [column for column, value in enumerate(second_values) if normalise(value)]
    if len(named) < 2 or any(column not in named for column in filled):
        return None
    return {**first, **named}


def assign(columns: dict[int, str]) -> dict[str, list[int]]:
    """Role → its columns, left to right."""
    by_role: dict[str, list[int]] = {}
    for column in sorted(columns):
        by_role.setdefault(columns[column], []).append(column)
    return by_role


def missing_header_message() -> str:
    return _(
        "No header row was found in the first %(rows)s rows. A task list needs a row of column names "
        "with at least 工作任务 (or 重点任务, 任务内容, 工作措施, 工作内容) and 牵头单位 (or 责任单位, 主办单位) "
        "or 完成时限 (or 时间节点, 完成时间); 序号, 配合单位, 责任人 and 备注 are read too."
    ) % {"rows": HEADER_SCAN}
