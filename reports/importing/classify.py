"""Classification: what each top-level section is (work, shortfalls, plans …) and its area.

By words, not by position. Area codes are those seeded by the tracker's migration.
"""

from __future__ import annotations

import re

from .model import LEADERS_DUTY, OTHER, PLANS, SHORTFALLS, SHORTFALLS_AND_PLANS, WORK

FRAMEWORK_2015 = "2015-2020"
FRAMEWORK_2021 = "2021-2025"


def framework_for_year(year: int | None) -> str:
    return FRAMEWORK_2015 if year is not None and year < 2021 else FRAMEWORK_2021


# The 2019 督察工作规定 asks for 存在的不足和原因 and 下一年度主要安排; reports write these and their
# common variants (存在的主要问题, 工作中的不足, 整改措施, 下步打算), with or without a year.
_SHORTFALL_WORDS = re.compile(
    r"存在的?(?:主要|突出)?(?:问题|不足)|(?:问题|不足)(?:和|与|及)(?:不足|原因|差距)|不足之处|"
    r"工作中的?(?:问题|不足)|主要问题|短板|差距|薄弱环节|困难和问题"
)
_PLAN_WORDS = re.compile(
    r"建议|下一步|下步|工作打算|工作安排|主要安排|工作计划|工作思路|下一年度|明年|今后|努力方向|"
    r"工作重点|整改措施|改进措施"
)
_LEADERS_WORDS = re.compile(r"第一责任人|主要负责人.{0,12}职责")
_OTHER_WORDS = re.compile(r"^(?:其[他它]|需要报告的其他)")
# A paragraph that turns from the problems to what is to be done about them.
TURN = re.compile(
    r"提出(?:如下|以下)建议|建议如下|针对(?:以上|上述)(?:问题|不足)|下一步|整改措施|工作打算|努力方向|今后.{0,6}(?:工作|打算)"
)

_CROSS = [
    ("leaders-duty", ["第一责任人", "主要负责人"]),
    ("party-leadership", ["党的领导", "组织领导", "领导小组", "推进机制", "党委"]),
]
AREA_KEYWORDS = {
    FRAMEWORK_2015: [
        (
            "2015-functions",
            ["依法全面履行政府职能", "政府职能", "放管服", "行政审批", "政务服务", "营商环境", "职能"],
        ),
        ("2015-rules", ["依法行政制度体系", "制度体系", "规范性文件", "制度建设", "立法"]),
        ("2015-decisions", ["行政决策", "决策"]),
        ("2015-enforcement", ["行政执法", "执法"]),
        ("2015-oversight", ["制约和监督", "监督制约", "权力", "监督", "政务公开", "信息公开", "审计"]),
        ("2015-disputes", ["矛盾纠纷", "纠纷", "矛盾", "行政复议", "复议", "调解", "信访", "应诉"]),
        ("2015-capacity", ["法治思维", "依法行政能力", "能力", "学法", "培训", "法治素养"]),
        *_CROSS,
    ],
    FRAMEWORK_2021: [
        (
            "2021-functions",
            ["政府机构职能", "政府职能", "放管服", "行政审批", "政务服务", "营商环境", "职能"],
        ),
        ("2021-rules", ["依法行政制度体系", "制度体系", "规范性文件", "制度建设", "立法"]),
        ("2021-decisions", ["行政决策", "决策"]),
        ("2021-enforcement", ["行政执法", "执法"]),
        ("2021-emergencies", ["突发事件", "应急", "疫情"]),
        ("2021-disputes", ["矛盾纠纷", "纠纷", "矛盾", "行政复议", "复议", "调解", "信访", "应诉"]),
        ("2021-oversight", ["制约和监督", "监督制约", "权力", "监督", "政务公开", "信息公开", "审计"]),
        ("2021-digital", ["数字法治政府", "数字", "信息化", "科技保障", "智慧", "互联网"]),
        *_CROSS,
    ],
}


def section_kind(heading: str) -> str:
    """The kind of a top-level section, from its heading."""
    if _LEADERS_WORDS.search(heading):
        return LEADERS_DUTY
    shortfalls = bool(_SHORTFALL_WORDS.search(heading))
    plans = bool(_PLAN_WORDS.search(heading))
    if shortfalls and plans:
        return SHORTFALLS_AND_PLANS
    if shortfalls:
        return SHORTFALLS
    if plans:
        return PLANS
    if _OTHER_WORDS.search(heading):
        return OTHER
    return WORK


def area_for(text: str, framework: str) -> str | None:
    """The code of the area whose words ``text`` holds most of (longer words weigh more)."""
    best, best_score = None, 0
    for code, words in AREA_KEYWORDS.get(framework, AREA_KEYWORDS[FRAMEWORK_2021]):
        score = sum(len(word) for word in words if word in text)
        if score > best_score:
            best, best_score = code, score
    return best
