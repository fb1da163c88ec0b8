"""The monthly 通报 as DOCX, in the layout of official documents (the same page, fonts and
line pitch as the report's draft, reports.exporting.docx):

    关于2021年9月法治政府建设工作推进情况的通报
    法治通报〔2021〕第9期
    各有关单位：
    (opening)
    一、总体情况            tracked items, done, completion and on-time rates, overdue
    二、各单位推进情况      the units as the scoreboard ranks them (a table)
    三、逾期事项            overdue items by unit (a table)
    四、催办及反馈情况      the month's chases and whether the unit answered (a table)
    五、领导批示办理情况    instructions still open, with their age (a table)
    六、下一步工作要求      fixed text
    (issuer, date)

What it says is read by ``reports.circulars.month_circular``. The document speaks Chinese
whatever the reader's language: it is an official paper of a Chinese government.
"""

from __future__ import annotations

from django.utils import timezone
from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from .docx import BODY_FONT, DEFAULT_ISSUER, HEADING_FONT, _setup, _Writer, cn_date

NO_UNIT = "未明确牵头单位"
NEXT_STEPS = (
    "（一）压实工作责任。各单位主要负责人要切实履行推进法治建设第一责任人职责，"
    "对照台账逐项梳理本单位牵头事项，明确责任人和完成时限。",
    "（二）加快逾期事项办理。对本通报列出的逾期事项，各牵头单位要于下月10日前制定整改措施，"
    "能完成的抓紧完成，确需延期的按程序申请延期，并在台账中如实反馈。",
    "（三）及时反馈督办和批示。对已催办未反馈的事项和尚未办结的领导批示，"
    "相关单位要及时在台账中报送办理进展，做到事事有回音、件件有着落。",
    "（四）确保台账真实准确。各单位要及时更新工作进展、上传佐证材料，"
    "法治政府建设工作领导小组办公室将继续按月通报推进情况。",
)


def _rate(value) -> str:
    return "—" if value is None else f"{value}%"


def _unit(unit) -> str:
    return unit.name if unit else NO_UNIT


def _unit_figures(figures) -> tuple:
    """A unit's cells after its rank and name: items led, done, the two rates, overdue."""
    return (
        figures.total,
        figures.done,
        _rate(figures.completion_rate),
        _rate(figures.on_time_rate),
        figures.overdue,
    )


def _table(document, header, rows, widths_mm, *, center=(), size=10.5) -> None:
    """A table in 五号 (10.5 pt) with a header row (黑体, repeated on each page) and the given
    column widths (set on the columns and on every cell, which LibreOffice needs); the columns
    numbered in ``center`` (figures, dates) centred."""
    table = document.add_table(rows=len(rows) + 1, cols=len(header))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = [Mm(w) for w in widths_mm]
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    heading = table.rows[0]
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    heading._tr.get_or_add_trPr().append(flag)
    for n, (row, values) in enumerate(zip(table.rows, [header, *rows], strict=True)):
        font = HEADING_FONT if n == 0 else BODY_FONT
        for column, (cell, text, width) in enumerate(zip(row.cells, values, widths, strict=True)):
            cell.width = width
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            cell.text = str(text)
            paragraph = cell.paragraphs[0]
            spacing = paragraph.paragraph_format
            spacing.space_before = spacing.space_after = Pt(2)
            spacing.line_spacing = 1.15
            if n == 0 or column in center:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            for run in paragraph.runs:
                run.font.name = font
                run.font.size = Pt(size)
                run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)


def _lead_in(document, style):
    """``lead_in(text)`` adds a body paragraph kept on the page of the table after it."""

    def add(text: str) -> None:
        document.add_paragraph(text, style=style).paragraph_format.keep_with_next = True

    return add


def write_circular(circular, output) -> None:
    """Write ``circular`` (a ``reports.circulars.Circular``) to ``output`` (path or binary file)."""
    c, f = circular, circular.figures
    as_of = cn_date(c.on)
    document = Document()
    writer = _Writer(document, _setup(document))
    # A heading, and the sentence leading into a table, never end a page.
    writer.styles["h1"].paragraph_format.keep_with_next = True
    lead_in = _lead_in(document, writer.styles["body"])
    writer.add("title", f"关于{c.year}年{c.month}月法治政府建设工作推进情况的通报")
    number = document.add_paragraph(f"法治通报〔{c.year}〕第{c.month}期", style=writer.styles["body"])
    number.paragraph_format.first_line_indent = Pt(0)
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(
        "各有关单位：", style=writer.styles["body"]
    ).paragraph_format.first_line_indent = Pt(0)
    writer.add(
        "body",
        f"为压实法治政府建设工作责任，推动{c.year}年度各项任务按期落实，根据法治政府建设台账记录，"
        f"现将截至{as_of}的工作推进情况通报如下。",
    )

    writer.add("h1", "一、总体情况")
    writer.add(
        "body",
        f"截至{as_of}，{c.year}年度台账共跟踪事项{f.total}项，已办结{f.done}项，"
        f"办结率{_rate(f.completion_rate)}；按期完成率{_rate(f.on_time_rate)}；"
        f"逾期未办结{f.overdue}项；待审核{f.submitted}项，被退回{f.returned}项。"
        f"本月共催办{len(c.chases)}次，尚未办结的领导批示{len(c.instructions)}件。",
    )

    writer.add("h1", "二、各单位推进情况")
    if c.units:
        lead_in("按逾期事项数、办结率、按期完成率排序，各牵头单位推进情况如下：")
        _table(
            document,
            ("排名", "单位", "牵头事项", "已办结", "办结率", "按期完成率", "逾期"),
            [(row.rank, row.unit.name, *_unit_figures(row.figures)) for row in c.units]
            + ([("—", NO_UNIT, *_unit_figures(c.unassigned))] if c.unassigned else []),
            (12, 50, 20, 18, 18, 24, 14),
            center=(0, 2, 3, 4, 5, 6),
        )
    else:
        writer.add("body", "本年度尚无牵头单位负责的跟踪事项。")

    writer.add("h1", "三、逾期事项")
    if c.overdue:
        lead_in(f"截至{as_of}，以下{len(c.overdue)}项工作已超过完成时限仍未办结：")
        _table(
            document,
            ("单位", "事项", "完成时限", "逾期天数"),
            [
                (_unit(item.lead_unit), item.title, item.due_on.strftime("%Y-%m-%d"), item.days_overdue)
                for item in c.overdue
            ],
            (36, 72, 28, 20),
            center=(2, 3),
        )
    else:
        writer.add("body", "无逾期事项。")

    writer.add("h1", "四、催办及反馈情况")
    if c.chases:
        answered = sum(1 for chase in c.chases if chase.answered)
        lead_in(
            f"本月共催办{len(c.chases)}次，截至{as_of}，已反馈{answered}次，未反馈{len(c.chases) - answered}次。",
        )
        _table(
            document,
            ("事项", "牵头单位", "催办日期", "反馈情况"),
            [
                (
                    chase.item.title,
                    _unit(chase.item.lead_unit),
                    timezone.localdate(chase.created_at).strftime("%Y-%m-%d"),
                    "已反馈" if chase.answered else "未反馈",
                )
                for chase in c.chases
            ],
            (68, 40, 28, 20),
            center=(2, 3),
        )
    else:
        writer.add("body", "本月未开展催办。")

    writer.add("h1", "五、领导批示办理情况")
    if c.instructions:
        lead_in(f"截至{as_of}，尚未办结的领导批示{len(c.instructions)}件：")
        _table(
            document,
            ("事项", "批示内容", "牵头单位", "批示日期", "已历时"),
            [
                (
                    instruction.item.title,
                    instruction.text,
                    _unit(instruction.item.lead_unit),
                    timezone.localdate(instruction.created_at).strftime("%Y-%m-%d"),
                    f"{instruction.age_days}天",
                )
                for instruction in c.instructions
            ],
            (36, 48, 28, 28, 16),
            center=(3, 4),
        )
    else:
        writer.add("body", "领导批示均已办结。")

    writer.add("h1", "六、下一步工作要求")
    for line in NEXT_STEPS:
        writer.add("body", line)

    issuer = c.report.issuer or DEFAULT_ISSUER
    document.add_paragraph(" ", style=writer.styles["body"])
    document.add_paragraph(issuer, style=writer.styles["signature"])
    document.add_paragraph(as_of, style=writer.styles["signature"])
    document.save(output)
