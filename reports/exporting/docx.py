"""A draft of the year's report as DOCX, in the layout of Chinese official documents
(GB/T 9704-2012): A4; margins 37 mm top, 35 mm bottom, 28 mm left, 26 mm right; title in
方正小标宋简体 二号 (22 pt); level-1 headings 黑体 三号, level-2 楷体_GB2312 三号, body
仿宋_GB2312 三号 (16 pt) with a fixed 28 pt line pitch and a two-character first-line indent.

The outline follows the five contents that the 法治政府建设与责任落实督察工作规定 asks of an
annual report, with what became of last year's shortfalls after the first:
一、主要举措和成效 (by area, each item with its latest progress)
二、上年度问题整改情况
三、党政主要负责人履行推进法治建设第一责任人职责情况
四、存在的不足和原因
五、下一年度主要安排 (the measures)
六、其他需要报告的情况
Offices without these fonts see Word's substitutes; the names are what the standard asks.
"""

from __future__ import annotations

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

TITLE_FONT, HEADING_FONT, SUBHEADING_FONT, BODY_FONT = "方正小标宋简体", "黑体", "楷体_GB2312", "仿宋_GB2312"
NUMERALS = "一二三四五六七八九十"


def _numeral(n: int) -> str:
    if n <= 10:
        return NUMERALS[n - 1]
    if n < 20:
        return "十" + NUMERALS[n - 11]
    tens, ones = divmod(n, 10)
    return NUMERALS[tens - 1] + "十" + (NUMERALS[ones - 1] if ones else "")


def _run(paragraph, text: str, font: str, size: int = 16, bold: bool = False):
    run = paragraph.add_run(text)
    run.font.name = font
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    return run


def _paragraph(
    document, text: str, font: str = BODY_FONT, *, indent: bool = True, size: int = 16, center=False
):
    paragraph = document.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(28)
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(paragraph, text, font, size)
    return paragraph


def _setup(document) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = document.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)


def write_report_docx(draft, output) -> None:
    """Write ``draft`` (a ``reports.selectors.ReportDraft``) to ``output`` (path or binary file)."""
    document = Document()
    _setup(document)
    _paragraph(document, draft.title, TITLE_FONT, indent=False, size=22, center=True)
    _paragraph(document, "", indent=False)
    if draft.opening:
        _paragraph(document, draft.opening)
    for n, (heading, blocks) in enumerate(draft.parts, start=1):
        _paragraph(document, f"{_numeral(n)}、{heading}", HEADING_FONT)
        if not blocks:
            _paragraph(document, draft.nothing)
        for m, (subheading, lines) in enumerate(blocks, start=1):
            if subheading:
                _paragraph(document, f"（{_numeral(m)}）{subheading}", SUBHEADING_FONT)
            for line in lines:
                _paragraph(document, line)
    if draft.issuer:
        _paragraph(document, "", indent=False)
        signature = _paragraph(document, draft.issuer, indent=False)
        signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    document.save(output)
