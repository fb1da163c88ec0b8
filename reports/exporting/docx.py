"""A draft of the year's report as DOCX, in the layout of Chinese official documents
(GB/T 9704-2012): A4; margins 37 mm top, 35 mm bottom, 28 mm left, 26 mm right; title in
方正小标宋简体 二号 (22 pt); level-1 headings 黑体 三号, level-2 楷体_GB2312 三号, body
仿宋_GB2312 三号 (16 pt) with a fixed 28 pt line pitch and a two-character first-line indent.

The outline follows the five contents that the 法治政府建设与责任落实督察工作规定 asks of an
annual report, with what became of last year's shortfalls after the first (the text of each
part is drafted by ``reports.selectors.report_draft``, in plain sentences):
一、主要举措和成效 (the year's work done, by area, each with its latest progress)
二、上年度问题整改情况 (the problems the year before's report stated, and their measures)
三、党政主要负责人履行推进法治建设第一责任人职责情况
四、存在的不足和原因 (open problems, work overdue or returned)
五、下一年度主要安排 (the work still open)
六、其他需要报告的情况
Offices without these fonts see Word's substitutes; the names are what the standard asks.
"""

from __future__ import annotations

from copy import deepcopy

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

TITLE_FONT, HEADING_FONT, SUBHEADING_FONT, BODY_FONT = "方正小标宋简体", "黑体", "楷体_GB2312", "仿宋_GB2312"
# Who signs a paper when the year's report names no issuer.
DEFAULT_ISSUER = "法治政府建设工作领导小组办公室"
NUMERALS = "一二三四五六七八九十"


def _numeral(n: int) -> str:
    if n <= 10:
        return NUMERALS[n - 1]
    if n < 20:
        return "十" + NUMERALS[n - 11]
    tens, ones = divmod(n, 10)
    return NUMERALS[tens - 1] + "十" + (NUMERALS[ones - 1] if ones else "")


def cn_date(day) -> str:
    """A date as official papers write it: 2021年9月30日."""
    return f"{day.year}年{day.month}月{day.day}日"


def _style(document, name: str, font: str, size: int, *, indent: bool, align=None):
    """A paragraph style: font (East Asian too), size, fixed 28 pt line pitch, indent."""
    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = document.styles["Normal"]
    style.font.name = font
    style.font.size = Pt(size)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    fmt = style.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(28)
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    if align is not None:
        fmt.alignment = align
    return style


def _setup(document) -> dict:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = document.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    return {
        "title": _style(document, "公文标题", TITLE_FONT, 22, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER),
        "h1": _style(document, "一级标题", HEADING_FONT, 16, indent=True),
        "h2": _style(document, "二级标题", SUBHEADING_FONT, 16, indent=True),
        "body": _style(document, "公文正文", BODY_FONT, 16, indent=True),
        "signature": _style(document, "落款", BODY_FONT, 16, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT),
    }


class _Writer:
    """Adds paragraphs fast: the first of each style is built by python-docx, the rest are
    copies of it with new text (python-docx takes half a millisecond a paragraph)."""

    def __init__(self, document, styles):
        self.document, self.styles, self.templates = document, styles, {}
        self.body = document.element.body
        self.section_properties = self.body[-1]  # w:sectPr stays last

    def add(self, kind: str, text: str) -> None:
        template = self.templates.get(kind)
        if template is None:
            paragraph = self.document.add_paragraph(text, style=self.styles[kind])
            self.templates[kind] = paragraph._p
            return
        element = deepcopy(template)
        element.xpath("./w:r/w:t")[0].text = text
        self.section_properties.addprevious(element)


def write_report_docx(draft, output) -> None:
    """Write ``draft`` (a ``reports.selectors.ReportDraft``) to ``output`` (path or binary file)."""
    document = Document()
    writer = _Writer(document, _setup(document))
    writer.add("title", draft.title)
    writer.add("body", " ")
    if draft.opening:
        writer.add("body", draft.opening)
    for n, (heading, blocks) in enumerate(draft.parts, start=1):
        writer.add("h1", f"{_numeral(n)}、{heading}")
        if not blocks:
            writer.add("body", draft.nothing)
        for m, (subheading, lines) in enumerate(blocks, start=1):
            if subheading:
                writer.add("h2", f"（{_numeral(m)}）{subheading}")
            for line in lines:
                writer.add("body", line)
    if draft.issuer:
        writer.add("body", " ")
        writer.add("signature", draft.issuer)
    document.save(output)
