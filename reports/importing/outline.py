"""Outline: the tree of 一、 / (一) / 1. / (1) blocks and inline items (一是 … 二是 …, 第一，… 第二，…,
首先，… 其次，…, and (1) … (2) … or ① … ② … inside a line).

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
# Inline numbering, only at the start of a paragraph or after punctuation, never inside a word:
# 一是 … 二是 …, 第一，… 第二，… (a run starts at 一), 首先，… 其次，… 再次，… 最后，… (a run needs 首先
# and then 其次). Each pattern is bounded.
_AFTER_PUNCTUATION = r"(?<![^\s。；;，,：:！!？?、）)”\"])"
INLINE_MARKER = re.compile(rf"{_AFTER_PUNCTUATION}([{CN_NUM}]{{1,3}})是")
# 第一， / 第一、 / 第一： but never 第一、第二批.
ORDINAL_MARKER = re.compile(rf"{_AFTER_PUNCTUATION}(第([{CN_NUM}]{{1,3}}))[，,、：:](?!第)")
SEQUENCE_WORDS = ("首先", "其次", "再次", "最后")
SEQUENCE_MARKER = re.compile(rf"{_AFTER_PUNCTUATION}({'|'.join(SEQUENCE_WORDS)})(?:[，,：:]|是)")
# (1) … (2) … / ① … ② … inside a line: each after punctuation (a line start is a level-4 block),
# numbered in order from 1. One or two digits: never a year (（2020）).
LIST_MARKER = re.compile(rf"[（(](\d{{1,2}})[）)]|([{CIRCLED_DIGITS}])")
_LIST_PUNCTUATION = frozenset("。；;，,：:！!？?、")
# Any of them: a node's text is read once for all, and again kind by kind only if it has one.
_ANY_INLINE = re.compile(
    "|".join(pattern.pattern for pattern in (INLINE_MARKER, ORDINAL_MARKER, SEQUENCE_MARKER, LIST_MARKER))
)
_SPACES = " \t\u3000\u00a0"
ONE_WORDS = "统唯之同万"  # 统一是 / 唯一是 / 之一是: words, not numbering
# A heading ends at a sentence end or a colon, or where inline items begin: 一是, or after a clause
# mark 第一， / 首先， / (1) / ①.
_SENTENCE_END = re.compile(
    rf"[。！？!?：:]|(?<=[^{CN_NUM}{ONE_WORDS}])(?=一是)"
    rf"|(?<=[，,；;、])(?=第一[，,、：:](?!第)|首先(?:[，,：:]|是)|[（(]1[）)]|①)"
)
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


def inline_marker(text: str) -> int | None:
    """Where the inline numbering ``text`` starts with ends (一是 / 第一， / 首先，), else None."""
    for pattern in (INLINE_MARKER, ORDINAL_MARKER, SEQUENCE_MARKER):
        match = pattern.match(text)
        if match:
            return match.end()
    return None


def list_runs(text: str, start: int = 0, end: int | None = None) -> list[list[re.Match]]:
    """The runs of (1) (2) … and of ① ② … in ``text[start:end]`` (one line): each marker after
    punctuation, numbered in order from 1 (a 1 starts a new run), two markers at least."""
    end = len(text) if end is None else end
    runs: list[list[re.Match]] = []
    current: dict[bool, list[re.Match]] = {True: [], False: []}  # circled or not → its open run
    for match in LIST_MARKER.finditer(text, start, end):
        if not _after_punctuation(text, match.start()):
            continue
        circled = match.group(2) is not None
        value = _list_value(match)
        run = current[circled]
        if value == 1:
            if len(run) >= 2:
                runs.append(run)
            current[circled] = [match]
        elif run and value == _list_value(run[-1]) + 1:
            run.append(match)
    runs.extend(run for run in current.values() if len(run) >= 2)
    return sorted(runs, key=lambda run: run[0].start())


def _list_value(match: re.Match) -> int:
    return CIRCLED_DIGITS.index(match.group(2)) + 1 if match.group(2) else int(match.group(1))


def _after_punctuation(text: str, position: int) -> bool:
    """Whether ``position`` follows a punctuation mark, spaces between (never a line start)."""
    while position > 0 and text[position - 1] in _SPACES:
        position -= 1
    return position > 0 and text[position - 1] in _LIST_PUNCTUATION


# One inline marker: where it starts, where its heading starts, its number (一是 / 第一 / 首先 / ①).
Marker = tuple[int, int, str]


def _inline_markers(body: str, segments: list[tuple[int, int]]) -> list[Marker]:
    """The inline markers of one kind in a node's own text: of the kind whose run begins first.

    一是 and 第一: a run starts at 一 and any number then continues or restarts it; 首先: a run
    needs a 其次 after it and goes on in order (其次, 再次, 最后); (1) and ①: runs inside a line."""
    if not any(_ANY_INLINE.search(body, seg_start, seg_end) for seg_start, seg_end in segments):
        return []
    kinds: list[list[Marker]] = []
    for pattern, first in ((INLINE_MARKER, "一是"), (ORDINAL_MARKER, "第一")):
        found: list[Marker] = []
        for seg_start, seg_end in segments:
            for match in pattern.finditer(body, seg_start, seg_end):
                number = match.group(0) if pattern is INLINE_MARKER else match.group(1)
                if found or number == first:
                    found.append((match.start(), match.end(), number))
        kinds.append(found)
    kinds.append(_sequence_markers(body, segments))
    by_style: dict[bool, list[Marker]] = {False: [], True: []}  # (1) or ①
    for seg_start, seg_end in segments:
        for run in list_runs(body, seg_start, seg_end):
            by_style[run[0].group(2) is not None].extend((m.start(), m.end(), m.group(0)) for m in run)
    kinds.extend(sorted(found) for found in by_style.values())
    kinds = [found for found in kinds if found]
    return min(kinds, key=lambda found: found[0][0]) if kinds else []


def _sequence_markers(body: str, segments: list[tuple[int, int]]) -> list[Marker]:
    """首先，… 其次，… 再次，… 最后，…: a 首先 followed by a 其次 starts a run; the words then
    count only in order. A lone 其次 or 最后 is prose."""
    matches = [m for a, b in segments for m in SEQUENCE_MARKER.finditer(body, a, b)]
    # For each 首先: whether a 其次 follows before the next 首先.
    starts_run, seen_next = [False] * len(matches), False
    for n in range(len(matches) - 1, -1, -1):
        word = matches[n].group(1)
        if word == "其次":
            seen_next = True
        elif word == "首先":
            starts_run[n], seen_next = seen_next, False
    found: list[Marker] = []
    last = None  # rank of the last word of the open run
    for n, match in enumerate(matches):
        rank = SEQUENCE_WORDS.index(match.group(1))
        if starts_run[n]:
            last = 0
        elif last is None or rank <= last:
            continue
        else:
            last = rank
        found.append((match.start(), match.end(), match.group(1)))
    return found


def _split_inline(body: str, node: Node) -> None:
    """Turn inline numbering runs (一是 … 二是 …, see ``_inline_markers``) in the node's own text
    into child nodes."""
    if node.rank == 0 or node.inline or not node.segments:
        return
    markers = _inline_markers(body, node.segments)
    if not markers:
        return
    kept: list[tuple[int, int]] = []
    created: list[Node] = []
    index = 0
    for seg_start, seg_end in node.segments:
        first = index
        while index < len(markers) and markers[index][0] < seg_end:
            index += 1
        mine = markers[first:index]
        if not mine:
            kept.append((seg_start, seg_end))
            continue
        if body[seg_start : mine[0][0]].strip(_TRIM):
            kept.append((seg_start, _rstrip(body, seg_start, mine[0][0])))
        bounds = [marker[0] for marker in mine[1:]] + [seg_end]
        for (start, heading_start, number), stop in zip(mine, bounds, strict=True):
            stop = _rstrip(body, start, stop)
            heading, _ = _heading(body, heading_start, stop, clause=True)
            child = Node(
                rank=INLINE_RANK,
                number=number,
                heading=heading,
                start=start,
                end=stop,
                inline=True,
                parent=node,
            )
            created.append(child)
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
