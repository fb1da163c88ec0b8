"""责任人 cells: 张三（副局长）13800000000, 副局长 张三 0373-5551234, 张三副局长, 分管副局长.

Gives the name, the post and the phone as the ledger keeps them for an official without an
account (Item.responsible_name / _post / _phone). Several people (张三、李四) keep all their
names, the first one's post and phone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PHONE = re.compile(
    r"(?:\+?86[-\s]?)?1[3-9]\d{9}"  # a mobile
    r"|0\d{2,3}[-－—\s]?\d{7,8}(?:[-－]\d{1,6})?"  # a landline with its area code
    r"|(?<!\d)\d{7,8}(?!\d)"  # a landline without it
)
_BRACKETED = re.compile(r"[（(]([^（）()]*)[）)]")
_POST = re.compile(
    r"(?:[局处科股所队院部县镇乡站馆社行校组会村厅市省区]长|主任|书记|负责人|委员|主席|科员|调研员|专员"
    r"|干事|经理|工程师|秘书|助理|联络员|管理员|领导|成员)$"
)
_POST_START = "副分党主常局镇乡县科股所队院部站办综法政"
_SEPARATORS = re.compile(r"[、，,；;/／:：\s]+")
_NAME = re.compile(r"^[\u4e00-\u9fff·]{2,4}$")
MAX_NAME, MAX_POST, MAX_PHONE = 50, 100, 30


@dataclass(frozen=True)
class Person:
    name: str = ""
    post: str = ""
    phone: str = ""


# Words before a post that are not a name: 分管副局长, 主要负责人.
_NOT_NAMES = ("分管", "主管", "党组", "主要", "常务", "具体", "单位", "部门", "科室", "办公")


def _is_post(token: str) -> bool:
    return bool(_POST.search(token))


def _is_name(token: str) -> bool:
    return bool(_NAME.match(token)) and not token.startswith(_NOT_NAMES) and token[0] not in "副分"


def read_person(text: str) -> Person:
    """The responsible official a cell names."""
    text = (text or "").strip()
    if not text:
        return Person()
    phones = [match.group(0) for match in _PHONE.finditer(text)]
    rest = _PHONE.sub(" ", text)
    posts = [inner.strip() for inner in _BRACKETED.findall(rest) if inner.strip()]
    rest = _BRACKETED.sub(" ", rest)
    rest = re.sub(r"(?:电话|手机|联系电话|联系方式|Tel|TEL|tel)", " ", rest)
    names: list[str] = []
    for token in _SEPARATORS.split(rest):
        token = token.strip("-—－.。")
        if not token:
            continue
        if _is_post(token):
            post, name = _split_post_name(token)
            if post:
                posts.append(post)
            if name:
                names.append(name)
        else:
            name, post = _split_name_post(token)
            if name:
                names.append(name)
            if post:
                posts.append(post)
    return Person(
        name="、".join(names)[:MAX_NAME],
        post=(posts[0] if posts else "")[:MAX_POST],
        phone=(phones[0] if phones else "")[:MAX_PHONE],
    )


def _split_post_name(token: str) -> tuple[str, str]:
    """张三副局长 → (副局长, 张三); 分管副局长 → (分管副局长, "")."""
    for size in (3, 2):
        if len(token) > size + 1:
            name, post = token[:size], token[size:]
            if (
                _is_name(name)
                and post[0] in _POST_START
                and _is_post(post)
                and (size == 2 or token[2] not in _POST_START)
            ):
                return post, name
    return token, ""


def _split_name_post(token: str) -> tuple[str, str]:
    """副局长张三 → (张三, 副局长); 张三 → (张三, "")."""
    for at in range(len(token) - 2, 0, -1):
        post, name = token[:at], token[at:]
        if _is_post(post) and _is_name(name):
            return name, post
    return token, ""
