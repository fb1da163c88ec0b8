"""Metadata: year and issuer from the title, the first sentence or the portal's 来源 line."""

from __future__ import annotations

import re

_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_SUBJECT = re.compile(r"^(.{2,30}?)(?:关于|(?:19|20)\d{2}\s*年)")
_GOVERNMENT = re.compile(r"(?:人民政府|政府|委员会|局|办公室|办事处)$")
_PLACE = re.compile(r"(?:省|市|县|区|旗|镇|乡|街道)$")


def find_year(title: str, body: str) -> int | None:
    """The report's year: from the title, else from the first sentence (2020年,我县…)."""
    for text in (title, body[:300]):
        match = _YEAR.search(text)
        if match:
            return int(match.group(1))
    return None


def find_issuer(title: str, source: str) -> str:
    """The issuing government: the 来源 field, else the title's subject (新乡县 → 新乡县人民政府)."""
    if source:
        return source
    match = _SUBJECT.match(title)
    if not match:
        return ""
    subject = match.group(1).strip()
    if _GOVERNMENT.search(subject):
        return subject
    if _PLACE.search(subject):
        return subject + "人民政府"
    return subject
