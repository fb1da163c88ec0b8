"""The whole parse: cleaned text → outline → kinds and areas → items, metrics and units."""

from __future__ import annotations

import re
from collections.abc import Iterable

from . import classify
from .cleaning import clean
from .linking import link_measures
from .metadata import find_issuer, find_year
from .metrics import extract_metrics
from .model import (
    ACHIEVEMENT,
    CONTEXT,
    LEADERS_DUTY,
    MEASURE,
    OTHER,
    PLANS,
    SHORTFALL,
    SHORTFALLS,
    SHORTFALLS_AND_PLANS,
    WORK,
    Corrections,
    Metric,
    Node,
    ParsedItem,
    ParsedReport,
    UnitName,
)
from .outline import INLINE_RANK, block_marker, build_outline
from .units import UnitMatcher

AREA_KINDS = (WORK, LEADERS_DUTY, OTHER)
ITEM_KIND = {SHORTFALLS: SHORTFALL, PLANS: MEASURE, SHORTFALLS_AND_PLANS: SHORTFALL}
MAX_TITLE = 80


def parse_report(
    text: str,
    *,
    directory: Iterable[UnitName] = (),
    year: int | None = None,
    corrections: Corrections | None = None,
) -> ParsedReport:
    """Parse a decoded report, with the reviewer's ``corrections`` applied. Never raises on
    text; a text without numbering comes back as one context section with no items
    (``warnings`` says so)."""
    corrections = corrections or Corrections()
    cleaned = clean(text)
    body = cleaned.body
    title = cleaned.title if corrections.title is None else corrections.title
    year_source = "given"
    if not year:
        year, year_source = find_year(title, body, cleaned.signed_on)
    framework = classify.framework_for_year(year)
    root = build_outline(body, not_headings=corrections.not_headings)
    _merge_inline(root, corrections.not_headings)
    for node in list(root.walk()):
        if node.start in corrections.split and node.rank > 0:
            split_node(node, body)
    warnings: list[str] = []
    unsure: list[Node] = []
    if not root.children:
        warnings.append("no_numbering")
        root.children = [Node(rank=1, start=0, end=len(body), segments=list(root.segments), level=1)]
        root.children[0].parent = root
        root.children[0].kind = CONTEXT
        root.segments = []
    else:
        unsure = _classify(root, body, framework, corrections)

    preamble = "\n".join(body[a:b] for a, b in root.segments)
    matcher = UnitMatcher(list(directory))
    items: list[ParsedItem] = []
    section_metrics: list[tuple[Node, Metric]] = []
    for node in root.walk():
        if node.rank == 0:
            continue
        if not node.children and node.kind != CONTEXT:
            node.item_kind = ITEM_KIND.get(node.kind, ACHIEVEMENT)
            item_text = body[node.start : node.end]
            items.append(
                ParsedItem(
                    kind=node.item_kind,
                    title=_title(node, item_text),
                    text=item_text,
                    node=node,
                    area=_nearest_area(node),
                    metrics=extract_metrics(item_text),
                    unit_keys=matcher.find(item_text),
                )
            )
        else:
            for context in _own_texts(node, body):
                section_metrics.extend((node, metric) for metric in extract_metrics(context))
    _link(items)
    issuer = corrections.issuer
    if issuer is None:
        issuer = find_issuer(title, cleaned.source, cleaned.signer)
    return ParsedReport(
        title=title,
        year=year,
        issuer=issuer,
        published_on=cleaned.published_on,
        framework=framework,
        cleaned_text=body,
        root=root,
        preamble=preamble,
        items=items,
        section_metrics=section_metrics,
        warnings=warnings,
        year_source=year_source if year else "",
        unsure_sections=unsure,
    )


def _link(items: list[ParsedItem]) -> None:
    """Set each measure's ``answers`` (one by one, where the text tells) and ``link_sure``."""
    shortfalls = [n for n, item in enumerate(items) if item.kind == SHORTFALL]
    measures = [item for item in items if item.kind == MEASURE]
    links = link_measures([items[n].text for n in shortfalls], [m.text for m in measures])
    for measure, link in zip(measures, links, strict=True):
        measure.answers = [shortfalls[i] for i in link.shortfalls]
        measure.link_sure = link.sure


def _classify(root: Node, body: str, framework: str, corrections: Corrections) -> list[Node]:
    """Give each node its section kind and area; the reviewer's corrections win. Returns the
    top-level sections whose kind and area nothing in them told."""
    unsure = []
    for section in root.children:
        label = section.heading or body[section.start : section.end][:60]
        corrected = corrections.kinds.get(section.start)
        section.kind = corrected or classify.section_kind(label)
        section.area = classify.area_for(label, framework) if section.kind in AREA_KINDS else None
        for node in section.walk():
            if node is not section:
                node.kind = section.kind
        if section.kind == SHORTFALLS_AND_PLANS or (section.kind == SHORTFALLS and corrected is None):
            _split_shortfalls_and_plans(section, body)
        if section.start in corrections.areas:
            section.area = corrections.areas[section.start] or None
        elif section.kind in AREA_KINDS and section.area is None:
            # Sections like 主要举措和成效 carry their areas one level down.
            for child in section.children:
                if not child.inline:
                    child.area = classify.area_for(
                        child.heading or body[child.start : child.end][:60], framework
                    )
        for node in section.walk():
            if node is not section and node.start in corrections.areas:
                node.area = corrections.areas[node.start] or None
        if corrected is None and section.kind == WORK and not any(node.area for node in section.walk()):
            unsure.append(section)
    return unsure


def _merge_inline(root: Node, not_headings: set[int]) -> None:
    """一是 … items the reviewer said are not items: their text joins the item before them, or
    their parent's own text when they come first."""
    if not not_headings:
        return
    for node in list(root.walk()):
        kept: list[Node] = []
        for child in node.children:
            if child.inline and child.start in not_headings and not child.children:
                if kept and kept[-1].inline:
                    kept[-1].end = child.end
                else:
                    node.segments = sorted([*node.segments, (child.start, child.end)])
                continue
            kept.append(child)
        node.children = kept


_SENTENCE_ENDS = re.compile(r"[。！？!?；;]+")
_LINE_BREAKS = re.compile(r"\n")


def split_parts(node: Node, body: str) -> list[tuple[int, int]]:
    """The parts a leaf splits into: its paragraphs, or its sentences when it has one. A
    heading that stands alone on its line stays with the node, which keeps it."""
    if node.children:
        return []
    start = node.start
    first_line_end = body.find("\n", start, node.end)
    if first_line_end != -1 and node.segments and node.segments[0][0] > first_line_end:
        start = node.segments[0][0]
    spans, cut = [], start
    for match in _LINE_BREAKS.finditer(body, start, node.end):
        spans.append((cut, match.start()))
        cut = match.end()
    spans.append((cut, node.end))
    if len(spans) == 1:
        spans, cut = [], start
        for match in _SENTENCE_ENDS.finditer(body, start, node.end):
            spans.append((cut, match.end()))
            cut = match.end()
        spans.append((cut, node.end))
    return [(a, b) for a, b in spans if body[a:b].strip(" \t\u3000\n")]


def split_node(node: Node, body: str) -> None:
    """Turn a leaf into one child item per paragraph (or sentence); its heading stays."""
    parts = split_parts(node, body)
    if len(parts) < 2:
        return
    node.children = [
        Node(rank=INLINE_RANK, start=a, end=b, inline=True, parent=node, level=node.level + 1)
        for a, b in parts
    ]
    node.segments = []


def _split_shortfalls_and_plans(section: Node, body: str) -> None:
    """Give each child of a problems section the kind shortfalls or plans.

    Children headed like 存在的问题 / 下一步打算 say it themselves; otherwise the first
    paragraph that turns (针对以上问题,提出如下建议:) or a restart of 一是 numbering does.
    """
    headed = [classify.section_kind(child.heading) for child in section.children if not child.inline]
    if any(kind in (SHORTFALLS, PLANS) for kind in headed):
        for child in section.children:
            kind = classify.section_kind(child.heading)
            if kind in (SHORTFALLS, PLANS, SHORTFALLS_AND_PLANS):
                for node in child.walk():
                    node.kind = kind
        return
    turn_at = next(
        (a for a, b in section.segments if classify.TURN.search(body, a, b) and a > section.start),
        None,
    )
    seen_numbers: set[str] = set()
    turned = False
    for child in section.children:
        if turn_at is not None and child.start > turn_at:
            turned = True
        elif turn_at is None and child.number in seen_numbers:
            turned = True  # 一是 … 二是 … then 一是 again: the suggestions begin
        seen_numbers.add(child.number)
        kind = PLANS if turned else SHORTFALLS
        for node in child.walk():
            node.kind = kind
    if section.kind == SHORTFALLS and turned:
        section.kind = SHORTFALLS_AND_PLANS


def _nearest_area(node: Node) -> str | None:
    while node is not None:
        if node.area:
            return node.area
        node = node.parent
    return None


def _title(node: Node, text: str) -> str:
    title = node.heading
    if not title:
        title = text.split("\n", 1)[0]
        marker = block_marker(title)  # a part split from a numbered item: 1.完成了… → 完成了…
        title = title[marker[1] :] if marker else title
        for stop in "。；;，,：:":
            title = title.split(stop, 1)[0]
    title = title.strip() or text[:MAX_TITLE].strip()
    return title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 1] + "…"


def _own_texts(node: Node, body: str) -> list[str]:
    """The text that belongs to ``node`` itself: its first line's heading and its segments."""
    texts = [body[a:b] for a, b in node.segments]
    if node.heading:
        texts.insert(0, node.heading)
    return texts
