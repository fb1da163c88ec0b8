"""Cleaning: portal chrome dropped, line breaks restored, title and publication data found.

The cleaned body keeps the report's own characters (full-width or half-width, spaces inside
sentences): item texts are cut from it verbatim. Only whole lines are dropped, surrounding
white space trimmed, and line breaks inserted before numbering that lost its own line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .outline import CIRCLED_DIGITS, ONE_WORDS, PARENTHESISED_DIGITS, block_marker, list_runs

# Numbering that starts a block (see outline.py); used here to restore lost line breaks. Every
# pattern starts after a character that is no space (a run of spaces is crossed once, never from
# each of its positions) and its look-ahead is bounded: linear time.
CN_NUM = "一二三四五六七八九十"
_SENTENCE_STOP = "。；;！!？?"
_BREAK_BEFORE = re.compile(
    # 一、 一． 一. 一） after a sentence end (never inside words like 统一、, never 一.5).
    rf"(?<=[{_SENTENCE_STOP}：:”\"）)])[ \t\u3000]*(?=[{CN_NUM}]{{1,3}}(?:[、．）)]|\.(?!\d)))"
    # (二) and ⑵ anywhere but after 第…条 / 款 / 项 (legal citations).
    rf"|(?<=[^ \t\u3000\n条款项第\d])[ \t\u3000]*(?=[（(][{CN_NUM}]{{1,3}}[）)]|[{PARENTHESISED_DIGITS}])"
    # 1. / 1、 / 1． / 1） after a sentence end (never 3.5).
    rf"|(?<=[{_SENTENCE_STOP}])[ \t\u3000]*(?=\d{{1,2}}(?:[.、．](?!\d)|[）)]))"
    # Portal fields glued to the text.
    r"|(?<=\S)[ \t\u3000]*(?=(?:来源|发布时间|发布日期|浏览量|浏览次数|分享)[:：])"
)
# (1) / ① after a sentence end, unless it belongs to a run of (1) (2) … / ① ② … inside its line
# (outline.list_runs): that run is the paragraph's inline items.
_BREAK_BEFORE_LIST_ITEM = re.compile(
    rf"(?<=[{_SENTENCE_STOP}])[ \t\u3000]*(?=[（(]\d{{1,2}}[）)]|[{CIRCLED_DIGITS}])"
)
# A heading with no sentence mark that runs straight into its first item: 一、依法行政1.制度建设 /
# （一）加强领导（1）健全机制 / 1.清理文件①… / 二、存在的问题一是… / 三、下一步打算第一，… 第二，…: the
# item's 1 / (1) / ① / 一是 / 第一， / 首先， after two to forty characters of heading, never after a
# digit (21.), a Latin letter (alert(1)), a bracket or 第 (第1.2条), never inside 统一是.
_HEADING_THEN_ITEM = re.compile(
    r"[^。！？!?：:；;，,\n]{2,40}?(?<![\dA-Za-z.．第(（])"
    r"(?=(?P<three>1(?:[.、．]|[）)])(?![\d.．]))|(?P<four>[（(]1[）)]|①)"
    rf"|(?<![{CN_NUM}{ONE_WORDS}])一是|(?P<first>第一[，,、：:](?!第))|(?P<firstly>首先(?:[，,：:]|是)))"
)
# What must follow 第一， / 首先， in the line for them to be items (排名全省第一，… is prose).
_SECOND_ITEM = {"first": re.compile(r"第二[，,、：:]"), "firstly": re.compile(r"其次(?:[，,：:]|是)")}
# When a whole report came as one or two lines, 1. and (1) lost their breaks after headings
# too ("加强组织领导1.健全工作机制。"): split before them after any character but a digit.
_BREAK_BEFORE_RUN_ON = re.compile(
    r"(?<=[^\d\n.．、 \t\u3000])[ \t\u3000]*(?=(?:\d{1,2}[.、．]|[（(]\d{1,2}[）)])[^\d\s])"
)
RUN_ON_LINE = 400  # average characters per line above which line breaks were lost

_FIELD = (
    r"(?:来源|信息来源|时间|发布时间|发布日期|发布于|日期|成文日期|发布机构|发文机关|浏览量|浏览次数|访问量|点击量|"
    r"点击数|阅读量|字体|字号|索引号|文号|发文字号|文件编号|有效性|主题分类|体裁分类|公开方式|公开范围|标题|名称|"
    r"作者|责任编辑|编辑|分享|分享到|今天是)"
)
# A field line (来源: …) or a "you are here" line.
# 来源: … / 发布于:2023-01-06 / [ 发布日期 ] 2026-02-10 / 【来源】…: a field needs its colon or its
# brackets (a sentence may begin with 时间).
_CHROME_FIELD = re.compile(
    rf"^(?:[\[【]\s*{_FIELD}\s*[\]】]|{_FIELD}\s*[:：]|(?:当前位置|您现在的位置|您当前的位置|您的位置)\s*[:：]?)"
)
# A toolbar line is made of these words alone (打印 关闭 返回 大 中 小); read word by word, never
# with one pattern: nested repetitions over spaces backtracked for a minute on one line.
_CHROME_WORDS = frozenset(
    [
        "打印本页",
        "打印",
        "关闭窗口",
        "关闭本页",
        "关闭",
        "返回顶部",
        "返回",
        "收藏",
        "分享",
        "分享到",
        "字体",
        "大",
        "中",
        "小",
        "默认",
        "在手机上打开",
        "微信扫一扫",
        "下载附件",
        "相关链接",
    ]
)
_CHROME_REST = ("扫一扫", "上一篇", "下一篇")  # the rest of the line belongs to them
_TOOLBAR_SEPARATORS = re.compile(r"[\s|｜:：/【】\[\]]+")


def is_chrome_line(line: str) -> bool:
    """A portal's field, location or toolbar line. Linear in the line's length."""
    if _CHROME_FIELD.match(line):
        return True
    words = [word for word in _TOOLBAR_SEPARATORS.split(line) if word]
    for word in words:
        rest = _chrome_prefix_end(word)
        if rest is None:
            return False
        if rest:  # 扫一扫… / 上一篇… after chrome words: the rest of the line is theirs
            return True
    return bool(words)


_LONGEST_CHROME = max(len(word) for word in _CHROME_WORDS)


def _chrome_prefix_end(word: str) -> bool | None:
    """Whether ``word`` is chrome words run together (打印本页关闭窗口): False when it is made of
    them alone, True when 扫一扫 / 上一篇 / 下一篇 follow them (the rest is theirs), None when it
    is anything else. Linear: each position is reached once."""
    reachable = [False] * (len(word) + 1)
    reachable[0] = True
    for start in range(len(word)):
        if not reachable[start]:
            continue
        if word.startswith(_CHROME_REST, start):
            return True
        for end in range(start + 1, min(len(word), start + _LONGEST_CHROME) + 1):
            if word[start:end] in _CHROME_WORDS:
                reachable[end] = True
    return False if reachable[-1] else None


# A "you are here" line: up to 60 characters, then two steps or more, each a separator and
# one to twenty characters (spaces after the separator aside): 首页 > 政务公开 > 法治政府建设.
# Read step by step: the pattern ^[^。；;]{0,60}(?:[>＞›»]\s*[^>＞›»。]{1,20}){2,}$ it replaces
# tried every way of sharing the spaces among the steps (over 20 s for a line of 120).
_BREADCRUMB_SEPARATOR = re.compile(r"[>＞›»]")
_SOURCE = re.compile(r"(?:来源|发布机构|发文机关)\s*+(?:[\]】]\s*+[:：]?|[:：])\s*+([^\s:：|｜\[【]{2,40})")
# [ 标题 ] 某县2022年度法治政府建设情况报告 [ 发布日期 ] …: the title an 索引号 block names.
_TITLE_FIELD = re.compile(r"(?:[\[【]\s*标题\s*[\]】]|标题\s*[:：])\s*+([^\[【]{4,80})")
_DATE = r"(\d{4})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})"
# \s*+ (possessive): three \s* side by side shared a run of spaces every possible way.
_PUBLISHED = re.compile(rf"(?:发布时间|发布日期|发布于|时间|日期)\s*+[\]】]?\s*+[:：]?\s*+{_DATE}")
_DATE_LINE = re.compile(rf"^{_DATE}\s*日?$")
# 二〇二三年二月十六日: how a 公文 dates its signature.
_CN_DIGITS = {ch: n for n, ch in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "Ｏ": 0, "O": 0}
_CN_DATE_LINE = re.compile(
    r"^([〇零○ＯO一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日$"
)
_SIGNATURE = re.compile(r"^[^。，,；;：:]{2,25}(?:人民政府|委员会|办公室|办事处|政府|局|镇|乡|街道)$")

# A report's title: names the work (法治政府建设 …) and what it is (报告 / 情况), as a title does,
# with no sentence punctuation. 现将有关情况报告如下： and 2022年，我县… are body sentences.
_TITLE_WORDS = re.compile(r"法治政府建设|法治建设|依法行政|法治政府|法治")
_TITLE_KIND = re.compile(r"报告|情况|总结")
_NOT_TITLE = re.compile(r"[。，,；;！!？?]|[:：]$")
# The first half of a title split over two lines: the government alone (某县人民政府) …
_SUBJECT_LINE = re.compile(
    r"^[^\s。，,；;：:]{2,30}(?:人民政府|政府|委员会|局|办公室|办事处|省|市|县|区|旗|镇|乡|街道)$"
)
# … or a title that runs on into a line ending in 报告 (关于2022年度法治政府建设 / 情况的报告).
_TITLE_TAIL = re.compile(r"^[^\s。，,；;：:]{0,20}报告$")
# Without those words: a short line that ends like a title (某县2021年工作总结, 报告).
_LOOSE_TITLE = re.compile(r"^.{0,38}(?:报告|总结)$")
# Where a title runs on into the first section or sentence (its line break lost).
_TITLE_GLUED = re.compile(r"(?<=报告)[ \t\u3000]*+(?=一[、．.）)]|(?:19|20)\d{2}\s*年)")
HEAD_LINES = 15  # the title stands among the page's first lines, before the first section
MAX_TITLE = 80


def _is_breadcrumb(line: str) -> bool:
    """Whether ``line`` is a "you are here" line (see ``_BREADCRUMB_SEPARATOR``). Linear."""
    parts = _BREADCRUMB_SEPARATOR.split(line)
    # parts[0] and the parts before the first step are the lead; every part from it on is a step.
    first_step = 1
    for n in range(len(parts) - 1, 0, -1):
        if not _is_step(parts[n]):
            first_step = n + 1
            break
    if len(parts) - first_step < 2:
        return False
    lead = sum(len(part) + 1 for part in parts[:first_step]) - 1
    return lead <= 60 and not any(mark in line[:lead] for mark in "。；;")


def _is_step(part: str) -> bool:
    """What follows a breadcrumb separator: spaces, then one to twenty characters but 。."""
    if not part or "。" in part:
        return False
    spaces = len(part) - len(part.lstrip())
    return len(part) - min(spaces, len(part) - 1) <= 20


@dataclass
class Cleaned:
    title: str  # the report's title, "" when no line reads like one
    body: str  # the report without title, chrome and signature; lines joined with "\n"
    source: str  # the 来源 (or 发布机构) field, if any
    published_on: date | None
    signer: str = ""  # the closing signature's name (某某区人民政府), if any
    signed_on: date | None = None  # the closing signature's date


def _to_date(match: re.Match | None) -> date | None:
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _cn_number(text: str) -> int:
    """一 → 1, 十 → 10, 十二 → 12, 二十 → 20, 三十一 → 31."""
    if "十" not in text:
        return _CN_DIGITS[text]
    tens, _, ones = text.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def date_line(line: str) -> date | None:
    """The date a signature line states (2023年2月16日, 2023-02-16, 二〇二三年二月十六日)."""
    match = _CN_DATE_LINE.match(line)
    if match is None:
        return _to_date(_DATE_LINE.match(line))
    try:
        year = int("".join(str(_CN_DIGITS[ch]) for ch in match.group(1)))
        return date(year, _cn_number(match.group(2)), _cn_number(match.group(3)))
    except (KeyError, ValueError):
        return None


def clean(raw: str) -> Cleaned:
    """Clean a decoded report (see the module docstring)."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    text = text.replace("\f", "\n").replace("\v", "\n").replace("\x00", "")
    run_on = len(text) > RUN_ON_LINE and len(text) / (text.count("\n") + 1) > RUN_ON_LINE
    text = _restore_breaks(text)
    if run_on:
        text = _BREAK_BEFORE_RUN_ON.sub("\n", text)
    lines = [line.strip() for line in text.split("\n")]
    lines = [line for line in lines if line]

    source, published, field_title = "", None, ""
    kept: list[str] = []
    for line in lines:
        if is_chrome_line(line) or (len(line) <= 120 and _is_breadcrumb(line)):
            source = source or _first_group(_SOURCE.search(line))
            published = published or _to_date(_PUBLISHED.search(line))
            field_title = field_title or _first_group(_TITLE_FIELD.search(line)).strip()
            continue
        kept.append(line)

    title, kept = _take_title(kept, field_title)

    # The signature block closing the report: issuer name and date lines.
    signer, signed_on = "", None
    for _ in range(3):
        if len(kept) < 2:
            break
        if (day := date_line(kept[-1])) is not None:
            signed_on = signed_on or day
        elif _SIGNATURE.match(kept[-1]):
            signer = signer or kept[-1]
        else:
            break
        kept.pop()
    return Cleaned(
        title=title,
        body="\n".join(kept),
        source=source,
        published_on=published,
        signer=signer,
        signed_on=signed_on,
    )


def _take_title(kept: list[str], field_title: str) -> tuple[str, list[str]]:
    """The title among the first lines, and the lines left once it (and what stood above it, a
    portal's banners) is taken out. No title: "" and the lines as they were."""
    if kept and len(kept[0]) > MAX_TITLE and "报告" in kept[0][:MAX_TITLE]:
        # A report pasted as one line: the title ends at its first 报告.
        cut = kept[0].index("报告") + 2
        head = kept[0][:cut]
        if _reads_like_title(head):
            return head, [kept[0][cut:].strip(), *kept[1:]]
    if kept and (glued := _TITLE_GLUED.search(kept[0], 0, MAX_TITLE + 2)):
        # The title lost its line break: …报告一、依法行政 / …报告2021年，我县…
        head = kept[0][: glued.start()].strip()
        if _reads_like_title(head) or _LOOSE_TITLE.match(head):
            kept = [head, kept[0][glued.end() :], *kept[1:]]
    head_end = next((n for n, line in enumerate(kept[:HEAD_LINES]) if _starts_with_numbering(line)), None)
    head = kept[: min(HEAD_LINES, len(kept)) if head_end is None else head_end]
    found = _find_title(head)
    if found is None:
        fallback = next(
            (
                n
                for n, line in enumerate(head[:3])
                if _LOOSE_TITLE.match(line) and not _NOT_TITLE.search(line)
            ),
            None,
        )
        found = (fallback, fallback + 1) if fallback is not None else None
    if found is None:
        if field_title and _reads_like_title(field_title):
            return field_title, [line for line in kept if line != field_title]
        return "", kept
    first, stop = found
    title = "".join(kept[first:stop])
    parts = set(kept[first:stop]) | {title}
    # The page's title often stands twice (the banner's and the document's).
    return title, [line for line in kept[stop:] if line not in parts]


def _reads_like_title(line: str) -> bool:
    return (
        len(line) <= MAX_TITLE
        and bool(_TITLE_WORDS.search(line))
        and bool(_TITLE_KIND.search(line))
        and not _NOT_TITLE.search(line)
    )


def _find_title(head: list[str]) -> tuple[int, int] | None:
    """``(first, stop)``: the head's lines that make the title, joined."""
    for n, line in enumerate(head):
        if not _reads_like_title(line):
            continue
        first, stop = n, n + 1
        if n > 0 and _SUBJECT_LINE.match(head[n - 1]) and not _has_subject(line):
            first = n - 1  # 某县人民政府 / 2022年度法治政府建设情况报告
        if not line.endswith("报告") and stop < len(head) and _TITLE_TAIL.match(head[stop]):
            stop += 1  # 关于2022年度法治政府建设 / 情况的报告
        return first, stop
    # 关于2022年度法治政府建设 / 情况的报告: neither half reads like a title alone.
    for n in range(len(head) - 1):
        if _TITLE_TAIL.match(head[n + 1]) and _reads_like_title(head[n] + head[n + 1]):
            return n, n + 2
    return None


_SUBJECTLESS = re.compile(r"^(?:关于|(?:19|20)\d{2}\s*年|法治|依法)")


def _has_subject(line: str) -> bool:
    return not _SUBJECTLESS.match(line)


def _restore_breaks(text: str) -> str:
    """Line breaks back before numbering that lost its own line (see ``_BREAK_BEFORE``)."""
    lines: list[str] = []
    for line in _BREAK_BEFORE.sub("\n", text).split("\n"):
        # A heading running into its first item: each split goes one level down, four at most.
        while marker := block_marker(line):
            match = _HEADING_THEN_ITEM.match(line, marker[1])
            if not match or not _first_item_below(marker[0], match):
                break
            lines.append(line[: match.end()])
            line = line[match.end() :]
        lines.append(line)
    return _break_before_list_items("\n".join(lines))


def _first_item_below(rank: int, match: re.Match) -> bool:
    """Whether the item ``_HEADING_THEN_ITEM`` found after a heading of ``rank`` is one level down
    (and 第一， / 首先， have their 第二， / 其次， further in the line)."""
    if match.group("three"):
        return rank < 3
    if match.group("four"):
        return rank < 4
    for kind, second in _SECOND_ITEM.items():
        if match.group(kind):
            return second.search(match.string, match.end()) is not None
    return True  # 一是


def _break_before_list_items(text: str) -> str:
    """``_BREAK_BEFORE_LIST_ITEM`` in ``text``, outside the runs of inline items of each line.
    Linear: the matches come in order, each line's runs are read once, when it has a match."""
    line_end = -1
    spans: list[list[int]] = []  # the current line's runs, merged, in order
    at = 0  # the first span that does not end before the current match

    def split(match: re.Match) -> str:
        nonlocal line_end, spans, at
        marker = match.end()
        if marker > line_end:
            line_start = text.rfind("\n", max(line_end, 0), marker) + 1
            line_end = text.find("\n", marker)
            line_end = len(text) if line_end < 0 else line_end
            spans, at = [], 0
            for run in list_runs(text, line_start, line_end):
                start, end = run[0].start(), run[-1].end()
                if spans and start <= spans[-1][1]:
                    spans[-1][1] = max(end, spans[-1][1])
                else:
                    spans.append([start, end])
        while at < len(spans) and spans[at][1] <= marker:
            at += 1
        inside = at < len(spans) and spans[at][0] <= marker
        return match.group(0) if inside else "\n"

    return _BREAK_BEFORE_LIST_ITEM.sub(split, text)


def _first_group(match: re.Match | None) -> str:
    return match.group(1) if match else ""


def _starts_with_numbering(line: str) -> bool:
    return block_marker(line) is not None
