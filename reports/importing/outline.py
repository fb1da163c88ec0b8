"""Outline: the tree of 一、 / (一) / 1. / (1) blocks and inline 一是 … 二是 … items.

Levels come from the kind of numbering, not from its values, so numbering that skips or
restarts does not break the tree. Full-width and half-width brackets and stops alike.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from .model import Node

CN_NUM = "一二三四五六七八九十"
# Every common numbering, by level: 一、 一． 一. 一） / （一） (一) ⑴ / 1. 1、 1． 1） / （1） (1) ①.
# Each pattern is anchored and bounded: no repetition that can backtrack.
PARENTHESISED_DIGITS = "⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽⑾⑿⒀⒁⒂⒃⒄⒅⒆⒇"
CIRCLED_DIGITS = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
BLOCK_MARKERS = [
    # 一. only before a word (never 一.5).
    (1, re.compile(rf"[{CN_NUM}]{{1,3}}\s*(?:[、．）)]|\.(?!\d))")),
    (2, re.compile(rf"(?:[（(]\s*[{CN_NUM}]{{1,3}}\s*[）)]|[{PARENTHESISED_DIGITS}])\s*[、．.]?")),
    (3, re.compile(r"\d{1,2}\s*(?:[.、．](?!\d)|[）)])")),
    (4, re.compile(rf"(?:[（(]\s*\d{{1,2}}\s*[）)]|[{CIRCLED_DIGITS}])\s*[、．.]?")),
]
INLINE_RANK = 5
# 一是 … 二是 …: only at the start of a paragraph or after punctuation, never inside a word.
INLINE_MARKER = re.compile(rf"(?<![^\s。；;，,：:！!？?、）)”\"])([{CN_NUM}]{{1,3}})是")
# A heading ends at a sentence end or a colon, or where inline 一是 items begin.
_SENTENCE_END = re.compile(rf"[。！？!?：:]|(?<=[^{CN_NUM}])(?=一是)")
_CLAUSE_END = re.compile(r"[。！？!?；;，,：:]")
_TRIM = " \t\u3000:：;；,，、"
MAX_HEADING = 300


def block_marker(line: str) -> tuple[int, int] | None:
    """``(rank, end of the number)`` when ``line`` starts with block numbering."""
    for rank, pattern in BLOCK_MARKERS:
        match = pattern.match(line)
        if match:
            return rank, match.end()
    return None


def _heading(text: str, start: int, end: int, *, clause: bool) -> tuple[str, int]:
    """The heading that starts at ``start``: up to the first sentence end (or clause end for
    inline items), else the whole rest. Returns it with the offset where the body starts."""
    pattern = _CLAUSE_END if clause else _SENTENCE_END
    match = pattern.search(text, start, end)
    stop, body_start = (match.start(), match.end()) if match else (end, end)
    return text[start:stop].strip(_TRIM)[:MAX_HEADING], body_start


def build_outline(body: str, *, not_headings: Collection[int] = ()) -> Node:
    """Parse the cleaned body into a tree rooted at a rank-0 node. A numbered line starting at
    an offset in ``not_headings`` is text of the node above (the reviewer said so)."""
    root = Node(rank=0, start=0, end=len(body))
    stack = [root]
    position = 0
    for line in body.split("\n"):
        start, end = position, position + len(line)
        position = end + 1
        marker = block_marker(line) if start not in not_headings else None
        if marker is None:
            stack[-1].segments.append((start, end))
            continue
        rank, number_end = marker
        while stack[-1].rank >= rank:
            stack.pop()
        parent = stack[-1]
        heading, body_start = _heading(body, start + number_end, end, clause=False)
        node = Node(rank=rank, number=line[:number_end].strip(), heading=heading, start=start, end=end)
        body_start = _skip_space(body, body_start, end)
        if body_start < end:
            node.segments.append((body_start, end))
        node.parent = parent
        parent.children.append(node)
        stack.append(node)
    for node in list(root.walk()):
        _split_inline(body, node)
    _finish(root, 0)
    return root


def _skip_space(text: str, start: int, end: int) -> int:
    while start < end and text[start] in " \t\u3000":
        start += 1
    return start


def _split_inline(body: str, node: Node) -> None:
    """Turn 一是 … 二是 … runs in the node's own text into child nodes."""
    if node.rank == 0 or node.inline:
        return
    kept: list[tuple[int, int]] = []
    created: list[Node] = []
    for seg_start, seg_end in node.segments:
        markers = []
        for match in INLINE_MARKER.finditer(body, seg_start, seg_end):
            # A run starts at 一是; after that any number continues or restarts it.
            if created or markers or match.group(1) == "一":
                markers.append(match)
        if not markers:
            kept.append((seg_start, seg_end))
            continue
        if body[seg_start : markers[0].start()].strip(_TRIM):
            kept.append((seg_start, _rstrip(body, seg_start, markers[0].start())))
        bounds = [m.start() for m in markers[1:]] + [seg_end]
        for match, stop in zip(markers, bounds, strict=True):
            stop = _rstrip(body, match.start(), stop)
            heading, _ = _heading(body, match.end(), stop, clause=True)
            child = Node(
                rank=INLINE_RANK,
                number=match.group(0),
                heading=heading,
                start=match.start(),
                end=stop,
                inline=True,
                parent=node,
            )
            created.append(child)
    if created:
        node.segments = kept
        node.children = sorted(node.children + created, key=lambda child: child.start)


def _rstrip(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in " \t\u3000\n":
        end -= 1
    return end


def _finish(node: Node, level: int) -> None:
    node.level = level
    for child in node.children:
        _finish(child, level + 1)
        node.end = max(node.end, child.end)
    for _, seg_end in node.segments:
        node.end = max(node.end, seg_end)
