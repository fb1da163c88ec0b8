"""The 督办通知单 of a chase (催办) as DOCX, in the layout of official documents (the same
page, fonts and line pitch as the report's draft, reports.exporting.docx):

    督办通知单
    督办〔2021〕第3号
    县司法局：
    现就下列事项进行督办，请抓紧办理，并在台账中反馈办理情况。
    督办事项 / 完成时限 / 当前状态 / 督办要求   (a two-column table)
    新乡县人民政府（督办人：李审核）
    2021年9月1日

The document speaks Chinese whatever the reader's language: it is an official paper of a
Chinese government.
"""

from __future__ import annotations

from django.utils import timezone
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from tracker.models import Chase
from tracker.workflow import status_label
from utilities.people import user_label

from .docx import BODY_FONT, DEFAULT_ISSUER, _setup, _Writer, cn_date


def write_chase_notice(chase: Chase, output) -> None:
    """Write the notice of ``chase`` to ``output`` (a path or a binary file)."""
    item = chase.item
    document = Document()
    writer = _Writer(document, _setup(document))
    writer.add("title", "督办通知单")
    writer.add("signature", f"督办〔{item.year}〕第{chase.number}号")
    unit = item.lead_unit.name if item.lead_unit else "（未明确牵头单位）"
    document.add_paragraph(f"{unit}：", style=writer.styles["h1"]).paragraph_format.first_line_indent = Pt(0)
    writer.add("body", "现就下列事项进行督办，请抓紧办理，并在法治政府建设台账中及时反馈办理情况。")
    rows = [
        ("督办事项", item.title),
        ("完成时限", item.due_on.strftime("%Y-%m-%d") if item.due_on else "长期坚持"),
        ("当前状态", status_label(item.kind, item.status)),
        ("督办要求", chase.note),
    ]
    table = document.add_table(rows=len(rows), cols=2)
    table.style = document.styles["Table Grid"]
    table.autofit = False
    table.columns[0].width, table.columns[1].width = Mm(32), Mm(124)
    for row, (label, value) in zip(table.rows, rows, strict=True):
        for cell, text, width in zip(row.cells, (label, value), (Mm(32), Mm(124)), strict=True):
            cell.width = width
            cell.text = text
            for run in cell.paragraphs[0].runs:
                run.font.name = BODY_FONT
                run.font.size = Pt(14)
                run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    issuer = item.report.issuer if item.report_id and item.report.issuer else DEFAULT_ISSUER
    by = f"（督办人：{user_label(chase.author)}）" if chase.author else ""
    document.add_paragraph(" ", style=writer.styles["body"])
    document.add_paragraph(f"{issuer}{by}", style=writer.styles["signature"])
    document.add_paragraph(
        cn_date(timezone.localtime(chase.created_at).date()), style=writer.styles["signature"]
    )
    document.save(output)
