"""Demo data: the unit directory of a county, one user per role, and the 2020 report.

Used by ``manage.py load_demo`` (and so by ``make run``). Safe to run again: it updates
what exists and creates what is missing, so counts stay the same.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from tracker import roles
from tracker.choices import UnitKind
from tracker.models import Item, Unit
from tracker.services import user_set_units

from .services import report_import

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"
SEED_REPORT = SAMPLES_DIR / "xinxiang-2020.txt"

# (name, short name, aliases, kind, parent name)
D, T, OFF = UnitKind.DEPARTMENT, UnitKind.TOWNSHIP, UnitKind.OFFICE
UNITS: list[tuple[str, str, list[str], str, str | None]] = [
    ("县人民政府办公室", "政府办", ["县政府办", "县政府办公室"], D, None),
    ("县司法局", "司法局", [], D, None),
    ("县法治政府建设工作领导小组办公室", "法治办", ["县法治办", "领导小组办公室"], OFF, "县司法局"),
    ("县法律援助中心", "法律援助中心", [], OFF, "县司法局"),
    ("县市场监督管理局", "市场监管局", ["县市场监管局", "市场监管"], D, None),
    ("县卫生健康委员会", "卫健委", ["县卫健委", "卫生健康委"], D, None),
    ("县发展和改革委员会", "发改委", ["县发改委"], D, None),
    ("县委机构编制委员会办公室", "编办", ["县编办", "县委编办"], D, None),
    ("县委宣传部", "宣传部", [], D, None),
    ("新乡市生态环境局新乡县分局", "生态环境分局", ["县生态环境分局", "环保局"], D, None),
    ("县大数据管理局", "大数据局", ["县大数据局"], D, None),
    ("县审计局", "审计局", [], D, None),
    ("县政府督查局", "督查局", ["县督查局"], D, None),
    ("县财政局", "财政局", [], D, None),
    ("县公安局", "公安局", [], D, None),
    ("县自然资源局", "自然资源局", ["自然资源"], D, None),
    ("县住房和城乡建设局", "住建局", ["县住建局", "住建"], D, None),
    ("县教育局", "教育局", [], D, None),
    ("县人力资源和社会保障局", "人社局", ["县人社局"], D, None),
    ("县交通运输局", "交通运输局", ["县交通局"], D, None),
    ("县农业农村局", "农业农村局", [], D, None),
    ("县应急管理局", "应急管理局", ["县应急局"], D, None),
    ("县城市管理局", "城管局", ["县城管局"], D, None),
    ("县信访局", "信访局", [], D, None),
    ("县退役军人事务局", "退役军人事务局", [], D, None),
    ("七里营镇人民政府", "七里营镇", [], T, None),
    ("朗公庙镇人民政府", "朗公庙镇", [], T, None),
    ("古固寨镇人民政府", "古固寨镇", [], T, None),
    ("大召营镇人民政府", "大召营镇", [], T, None),
    ("翟坡镇人民政府", "翟坡镇", [], T, None),
    ("小冀镇人民政府", "小冀镇", [], T, None),
    ("合河乡人民政府", "合河乡", [], T, None),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    group: str | None
    unit: str | None
    superuser: bool = False


DEMO_USERS = [
    DemoUser("admin", "系统管理员", None, None, superuser=True),
    DemoUser("reviewer", "李审核", roles.REVIEWER, "县法治政府建设工作领导小组办公室"),
    DemoUser("leader", "张县长", roles.LEADER, None),
    DemoUser("staff1", "王经办", roles.STAFF, "县司法局"),
    DemoUser("staff2", "赵经办", roles.STAFF, "县市场监督管理局"),
]


def demo_password(username: str, *, random: bool) -> str:
    """Known passwords for a development demo; random ones when forced in production."""
    if random:
        return secrets.token_urlsafe(12)
    return f"{username}-demo-2020"


@transaction.atomic
def load_demo(*, random_passwords: bool = False) -> dict[str, str]:
    """Create or update the demo units, users and the 2020 report. Returns {username: password}."""
    units = {}
    for order, (name, short_name, aliases, kind, parent) in enumerate(UNITS, start=1):
        units[name], _ = Unit.objects.update_or_create(
            name=name,
            defaults={
                "short_name": short_name,
                "aliases": "\n".join(aliases),
                "kind": kind,
                "parent": units.get(parent) if parent else None,
                "order": order,
                "active": True,
            },
        )

    User = get_user_model()
    passwords = {}
    for spec in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=spec.username)
        user.first_name = spec.full_name
        user.is_superuser = spec.superuser
        user.is_staff = spec.superuser or spec.group == roles.REVIEWER
        user.is_active = True
        passwords[spec.username] = demo_password(spec.username, random=random_passwords)
        user.set_password(passwords[spec.username])
        user.save()
        user.groups.set([Group.objects.get(name=spec.group)] if spec.group else [])
        user_set_units(user=user, units=[units[spec.unit]] if spec.unit else [])

    # The same text imported again is recognised and creates nothing.
    result = report_import(text=SEED_REPORT.read_text(encoding="utf-8"))
    if result.created:
        _spread_deadlines(result.report)
    return passwords


def _spread_deadlines(report) -> None:
    """Deadlines around today, so that the demo shows items due soon and overdue."""
    today = timezone.localdate()
    items = list(report.items.order_by("order", "pk"))
    for index, item in enumerate(items):
        item.due_on = today + timedelta(days=((index % 9) - 3) * 10)
    Item.objects.bulk_update(items, ["due_on"])
