"""完成时限 as people write it, read relative to the sheet's year.

2021年6月30日, 2021-06-30, 2021/6/30, 2021.6 (the end of that month), 2021年6月, 6月底前,
6月30日前, 6月中旬, 上半年 (30 June), 下半年 / 年底前 / 年内 (31 December), 一季度 … 四季度 /
第三季度 / 三季度末 (the quarter's end), an Excel date cell; 长期坚持 / 持续推进 / 常态化 mean no
fixed date (``ongoing``: reviewed at the year's end). A cell naming several dates (6月底前
出台方案，12月底前全面完成) is due at the last. What cannot be read (2021年13月, 6月32日, 按上级
要求) says why, and the task is imported without a deadline if the reviewer confirms.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．／－　", "0123456789./- ")
_CN_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_CN = "一二三四五六七八九十"

_ONGOING = re.compile(r"长期|持续|常态|经常|每年|每半年|每季|每月|每周|定期|动态|适时")
_PATTERN = re.compile(
    rf"""
      (?P<full_y>\d{{4}})[年./-](?P<full_m>\d{{1,2}})[月./-](?P<full_d>\d{{1,2}})(?![\d.])
    | (?P<ym_y>\d{{4}})[年./-](?P<ym_m>\d{{1,2}})(?![\d])月?(?P<ym_part>上旬|中旬|下旬|底|末|份)?
    | (?:(?P<md_y>\d{{4}})年)?(?P<md_m>\d{{1,2}}|[{_CN}]{{1,3}})月(?P<md_d>\d{{1,2}})[日号]
    | (?:(?P<m_y>\d{{4}})年)?(?P<m_m>\d{{1,2}}|[{_CN}]{{1,3}})月(?P<m_part>上旬|中旬|下旬|底|末|份)?
    | (?:(?P<h_y>\d{{4}})年?)?(?P<half>上半年|下半年)
    | (?:(?P<q_y>\d{{4}})年?)?第?(?P<quarter>[一二三四1-4])季度
    | (?P<y_y>\d{{4}})年?(?:底|末|内|前|度)
    | (?P<y_only>\d{{4}})年
    | (?P<year_end>年底|年末|年内|年前|全年|本年度|年度内|当年)
    """,
    re.VERBOSE,
)
_YEAR_RANGE = (1990, 2100)


@dataclass(frozen=True)
class Deadline:
    due_on: datetime.date | None = None
    ongoing: bool = False
    problem: str = ""  # why it could not be read (the row still imports, without a deadline)
    note: str = ""  # something the reviewer should check, though it was read


class _Unreadable(ValueError):
    pass


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def _number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + _CN_NUMBERS.get(text[1:], 99)
    if text.endswith("十"):
        return _CN_NUMBERS.get(text[0], 99) * 10
    if len(text) == 1:
        return _CN_NUMBERS.get(text, 99)
    return 99


def _checked_year(text: str | None, year: int) -> int:
    if not text:
        return year
    value = int(text)
    if not _YEAR_RANGE[0] <= value <= _YEAR_RANGE[1]:
        raise _Unreadable(_("the year %(year)s is not a plausible year") % {"year": value})
    return value


def _checked_month(value: int) -> int:
    if not 1 <= value <= 12:
        raise _Unreadable(_("there is no month %(month)s (months run from 1 to 12)") % {"month": value})
    return value


def _in_month(year: int, month: int, part: str | None) -> datetime.date:
    if part == "上旬":
        return datetime.date(year, month, 10)
    if part == "中旬":
        return datetime.date(year, month, 20)
    return _month_end(year, month)


def _day(year: int, month: int, day: int) -> datetime.date:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise _Unreadable(
            _("%(month)s/%(day)s does not exist in %(year)s") % {"year": year, "month": month, "day": day}
        ) from None


def _date_of(match: re.Match, year: int) -> datetime.date:
    g = match.groupdict()
    if g["full_y"]:
        y = _checked_year(g["full_y"], year)
        return _day(y, _checked_month(int(g["full_m"])), int(g["full_d"]))
    if g["ym_y"]:
        y = _checked_year(g["ym_y"], year)
        return _in_month(y, _checked_month(int(g["ym_m"])), g["ym_part"])
    if g["md_m"]:
        y = _checked_year(g["md_y"], year)
        return _day(y, _checked_month(_number(g["md_m"])), int(g["md_d"]))
    if g["m_m"]:
        y = _checked_year(g["m_y"], year)
        return _in_month(y, _checked_month(_number(g["m_m"])), g["m_part"])
    if g["half"]:
        y = _checked_year(g["h_y"], year)
        return datetime.date(y, 6, 30) if g["half"] == "上半年" else datetime.date(y, 12, 31)
    if g["quarter"]:
        y = _checked_year(g["q_y"], year)
        return _month_end(y, 3 * _number(g["quarter"]))
    if g["y_y"] or g["y_only"]:
        return datetime.date(_checked_year(g["y_y"] or g["y_only"], year), 12, 31)
    return datetime.date(year, 12, 31)  # 年底 / 年内 …


def read_deadline(value: object, year: int) -> Deadline:
    """The deadline a 完成时限 cell gives, for a sheet of ``year``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return Deadline()
    if isinstance(value, datetime.datetime):
        return _dated(value.date(), year)
    if isinstance(value, datetime.date):
        return _dated(value, year)
    if isinstance(value, bool):
        return Deadline(problem=_unread(str(value)))
    if isinstance(value, int | float):
        return _from_number(value, year)
    return _from_text(str(value), year)


def _dated(due_on: datetime.date, year: int, note: str = "") -> Deadline:
    if due_on.year != year and not note:
        note = _("The deadline is in %(due)s, not in the sheet's year %(year)s; check it.") % {
            "due": due_on.year,
            "year": year,
        }
    return Deadline(due_on=due_on, note=note)


def _unread(written: str, why: str = "") -> str:
    if why:
        return _("The deadline “%(written)s” cannot be read: %(why)s. Enter the date in the preview.") % {
            "written": written,
            "why": why,
        }
    return _("The deadline “%(written)s” cannot be read. Enter the date in the preview.") % {
        "written": written
    }


def _from_number(value: float, year: int) -> Deadline:
    """2021.6 typed into a cell becomes the number 2021.6; an Excel date without a date format
    is a serial number of days (44377 is 30 June 2021)."""
    written = f"{value:g}" if isinstance(value, float) else str(value)
    whole = int(value)
    if _YEAR_RANGE[0] <= whole <= _YEAR_RANGE[1]:
        if value == whole:
            return _dated(datetime.date(whole, 12, 31), year)
        month_text = repr(float(value)).split(".", 1)[1]
        month = int(month_text) if len(month_text) <= 2 else 0
        if not 1 <= month <= 12:
            return Deadline(
                problem=_unread(
                    written,
                    _("there is no month %(month)s (months run from 1 to 12)") % {"month": month_text},
                )
            )
        note = ""
        if month == 1 and month_text == "1":
            # 2021.10 typed into a number cell is stored as 2021.1.
            note = _(
                "Read as January %(year)s; if October was meant (2021.10 typed as a number becomes 2021.1), "
                "correct it in the preview."
            ) % {"year": whole}
        return _dated(_month_end(whole, month), year, note)
    if value == whole and 20000 <= whole <= 80000:
        return _dated(datetime.date(1899, 12, 30) + datetime.timedelta(days=whole), year)
    return Deadline(problem=_unread(written))


def _from_text(written: str, year: int) -> Deadline:
    text = written.translate(_FULL_WIDTH)
    text = re.sub(r"\s+\d{1,2}:\d{2}(?::\d{2})?", "", text)  # 2021-06-30 00:00:00 from a CSV
    text = re.sub(r"\s+", "", text)
    dates: list[datetime.date] = []
    reasons: list[str] = []
    for match in _PATTERN.finditer(text):
        try:
            dates.append(_date_of(match, year))
        except _Unreadable as error:
            reasons.append(str(error))
    written = written.strip()
    if dates:
        due_on = max(dates)
        note = ""
        if len(dates) > 1:
            note = _("The deadline names several dates; the last, %(date)s, is taken.") % {
                "date": due_on.isoformat()
            }
        if reasons:
            note = _unread(written, reasons[0])
            return Deadline(due_on=due_on, note=note)
        return _dated(due_on, year, note)
    if reasons:
        return Deadline(problem=_unread(written, reasons[0]))
    if _ONGOING.search(text):
        return Deadline(ongoing=True)
    return Deadline(problem=_unread(written))
