"""Unit cells: 县司法局、县财政局 / 县公安局及各乡镇人民政府 → the directory's units, and the
names it does not know (shown, never dropped).

A cell is split at 、，,；;/ and spaces or line breaks; 及 / 和 / 与 split it further only
between two names that each end like a unit (局, 委, 办, 镇 …), since units' own names hold
them (县发展和改革委员会, 县住房和城乡建设局). Within each part the directory's names are
found longest first (reports.importing.units.UnitMatcher); what is left over, beyond words
such as 牵头 or 配合, is an unknown name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reports.importing.units import UnitMatcher

_SEPARATORS = re.compile(r"[、，,；;/／|｜\s]+")
_CONNECTORS = re.compile(r"以及|及|和|与|会同")
_BRACKETS = re.compile(r"[（(【\[][^（）()【】\[\]]*[）)】\]]")
_UNIT_END = re.compile(
    r"(?:局|委|办|部|院|室|中心|镇|乡|街道|政府|所|队|站|会|组|处|厅|馆|司|公司|分局|办公室|委员会|法院|检察院|社|联|团)$"
)
# Words written beside the names that are not names.
_FILLER = re.compile(r"牵头|负责|配合|主办|协办|参与|分别|按职责分工|按职责|落实|等$")
_COLLECTIVE = re.compile(r"^各|有关|相关|县直|全县|所属|成员单位")


@dataclass(frozen=True)
class UnitMention:
    """One name a cell gives: as written, and the directory key it matched (or None)."""

    written: str
    key: object | None

    @property
    def collective(self) -> bool:
        """各乡镇人民政府, 县直各单位, 有关单位: many units at once, none in particular."""
        return self.key is None and bool(_COLLECTIVE.search(self.written))


def _parts(text: str) -> list[str]:
    text = _BRACKETS.sub(" ", text)
    return [part for part in _SEPARATORS.split(text) if part]


def _split_connected(part: str) -> list[str]:
    """县司法局和县公安局 → both; 县发展和改革委员会 stays whole."""
    pieces = _CONNECTORS.split(part)
    if len(pieces) > 1 and all(_UNIT_END.search(piece) for piece in pieces if piece):
        return [piece for piece in pieces if piece]
    return [part]


def read_units(text: str, matcher: UnitMatcher) -> list[UnitMention]:
    """Every unit a cell names, in order, each once."""
    mentions: list[UnitMention] = []
    seen: set[object] = set()

    def add(written: str, key: object | None) -> None:
        marker = key if key is not None else ("?", written)
        if marker not in seen:
            seen.add(marker)
            mentions.append(UnitMention(written, key))

    for part in _parts(text or ""):
        if part in matcher.key_by_name:
            add(part, matcher.key_by_name[part])
            continue
        found = list(matcher.pattern.finditer(part)) if matcher.pattern is not None else []
        if not found:
            for piece in _split_connected(part):
                piece = _FILLER.sub("", piece)
                if len(piece) >= 2:
                    add(piece, matcher.key_by_name.get(piece))
            continue
        # Known names inside the part, and whatever else it says, in the order written.
        cursor = 0
        pieces: list[tuple[int, str, object | None]] = []
        for match in found:
            pieces.append((match.start(), match.group(0), matcher.key_by_name[match.group(0)]))
            between = part[cursor : match.start()]
            if between:
                pieces.append((cursor, between, None))
            cursor = match.end()
        if cursor < len(part):
            pieces.append((cursor, part[cursor:], None))
        for _start, written, key in sorted(pieces, key=lambda piece: piece[0]):
            if key is not None:
                add(written, key)
                continue
            for rest in _CONNECTORS.split(_FILLER.sub("", written)):
                if len(rest) >= 2:
                    add(rest, None)
    return mentions
