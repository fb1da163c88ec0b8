"""Metadata: the year and the issuer, from the title, the closing signature, the first sentence
and, last, the portal's 来源 field (which often names the publishing department instead)."""

from __future__ import annotations

import re
from datetime import date

_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
# 2022年，我县… / 2022年以来，… : the year a report's first sentence opens with.
_OPENING_YEAR = re.compile(r"^((?:19|20)\d{2})\s*年(?:度|以来|来)?\s*[，,]")
_SUBJECT = re.compile(r"^(.{2,30}?)(?:关于|(?:19|20)\d{2}\s*年)")
_GOVERNMENT = re.compile(r"(?:人民政府|政府|委员会|局|办公室|办事处)$")
_PLACE = re.compile(r"(?:省|市|县|区|旗|镇|乡|街道)$")
# A report is written at the year's end and signed by the spring after: a signature dated in
# the first half of a year signs the year before's report.
LAST_MONTH_SIGNING_LAST_YEAR = 6
OPENING_LINES = 3  # where the first sentence may stand (after an addressee line: 县人民政府：)


def find_year(title: str, body: str, signed_on: date | None = None) -> tuple[int | None, str]:
    """The report's year and where it came from: from the title ("title"), else the
    signature's date, minus one when signed early in the next year ("signature"), else the
    first sentence's 20XX年， ("opening"); never a year met later in the body."""
    match = _YEAR.search(title)
    if match:
        return int(match.group(1)), "title"
    if signed_on is not None:
        early = signed_on.month <= LAST_MONTH_SIGNING_LAST_YEAR
        return (signed_on.year - 1 if early else signed_on.year), "signature"
    for line in body.split("\n", OPENING_LINES)[:OPENING_LINES]:
        match = _OPENING_YEAR.match(line.strip())
        if match:
            return int(match.group(1)), "opening"
    return None, ""


def find_issuer(title: str, source: str, signer: str = "") -> str:
    """The reporting government: the title's subject (新乡县 → 新乡县人民政府), else the closing
    signature, else the 来源 field."""
    match = _SUBJECT.match(title)
    subject = match.group(1).strip() if match else ""
    if _GOVERNMENT.search(subject):
        return subject
    if _PLACE.search(subject):
        return subject + "人民政府"
    return signer or source or subject
