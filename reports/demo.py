"""Demo data: the unit directory of a county, one user per role, the 2020 report, and a
2021 ledger that runs as a county's year does.

- 2020 is the published report of 新乡县 (samples/xinxiang-2020.txt, real text): its work
  sections are 2020's achievements, done, with their figures.
- 2021 holds the work that report left (its two problems and three suggestions, real text)
  with progress in every state: done, in progress, waiting for review, returned, overdue.

Governments (issue 19): the county is 新乡县人民政府, a tree of one, as a county's own
installation is. ``load_demo(city=True)`` (``manage.py load_demo --city``) puts 新乡市人民政府
above it and a second, smaller county beside it, 获嘉县人民政府, with two units and a 2021 ledger
of three invented tasks and two invented problems (worded like 新乡县's), so that the city's
supervisor (``city``, a reviewer of 新乡市) has two counties to look at, switch between and
compare (the roll-up, ``/governments/``, and its recurring shortfalls). Every other account belongs to 新乡县.

What the demo invents (units' progress notes, review comments, evidence files, the second
county's tasks) is marked （示例） in its text, and the evidence file says 示例材料: nothing
invented is presented as the county's. Used by ``manage.py load_demo`` (and so by ``make run``). Safe to run again: it
updates what exists and creates what is missing, so counts stay the same.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from tracker import roles
from tracker.choices import ItemKind, ItemStatus, ReviewDecision, UnitKind, UpdateKind
from tracker.ledger_cache import ledger_changed
from tracker.models import Affiliation, Chase, Government, Instruction, Item, ProgressUpdate, Review, Unit
from tracker.services import (
    instruction_add,
    instruction_handle,
    instruction_reply,
    item_add_progress,
    item_review,
    items_assign,
    items_chase,
    user_set_units,
)

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


# The governments: (name, short name, level, parent name).
CITY = ("新乡市人民政府", "新乡市", "city", None)
COUNTY = ("新乡县人民政府", "新乡县", "county", CITY[0])
SECOND_COUNTY = ("获嘉县人民政府", "获嘉县", "county", CITY[0])
SECOND_COUNTY_UNITS = [("县司法局", "司法局"), ("县财政局", "财政局")]
SECOND_COUNTY_TASKS = [
    ("（示例）完善行政规范性文件合法性审核机制", "县司法局"),
    ("（示例）推进法治政府建设示范创建", "县司法局"),
    ("（示例）规范财政资金监管执法", "县财政局"),
]
# Its 2021 problems, worded apart from but like 新乡县's (from its 2020 report): the city's page
# of recurring shortfalls groups them with those.
SECOND_COUNTY_SHORTFALLS = [
    ("（示例）部分执法单位和乡镇政府法制机构不健全", "县司法局"),
    ("（示例）执法队伍建设有待进一步加强", "县司法局"),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    group: str | None
    unit: str | None
    superuser: bool = False
    government: str | None = COUNTY[0]  # the government the account works for


DEMO_USERS = [
    DemoUser("admin", "系统管理员", None, None, superuser=True, government=None),
    DemoUser("reviewer", "李审核", roles.REVIEWER, "县法治政府建设工作领导小组办公室"),
    DemoUser("leader", "张县长", roles.LEADER, None),
    DemoUser("staff1", "王经办", roles.STAFF, "县司法局"),
    DemoUser("staff2", "赵经办", roles.STAFF, "县市场监督管理局"),
]
# With the city (load_demo(city=True)): its supervisor, who sees both counties.
CITY_USERS = [DemoUser("city", "刘督查", roles.REVIEWER, None, government=CITY[0])]


def demo_users(*, city: bool) -> list[DemoUser]:
    return [*DEMO_USERS, *CITY_USERS] if city else DEMO_USERS


def demo_password(username: str, *, random: bool) -> str:
    """Known passwords for a development demo; random ones when forced in production."""
    if random:
        return secrets.token_urlsafe(12)
    return f"{username}-demo-2020"


def load_demo(*, random_passwords: bool = False, city: bool = False) -> dict[str, str]:
    """Create or update the demo units, users, the 2020 report and the 2021 ledger's sample
    progress; with ``city``, the city above the county and a second county beside it.
    Returns {username: password}."""
    passwords = _directory_and_users(random_passwords=random_passwords, city=city)
    county = Government.objects.get(name=COUNTY[0])
    # The same text imported again is recognised and creates nothing (nor does the progress).
    result = report_import(text=SEED_REPORT.read_text(encoding="utf-8"), government=county)
    if result.created:
        _sample_year(result.report.next)
        _sample_tasks(year=result.report.year + 1, government=county)
        _set_up_dated(years=[result.report.year, result.report.year + 1])
    if city:
        _second_county()
    # Units written above, history dated by hand: not all of it went through a service.
    ledger_changed()
    return passwords


def _government(name: str, short_name: str, level: str, parent: str | None) -> Government:
    """The demo's government ``name``, made or put in its place in the tree (an installation
    migrated from one government holds the county already, at the top)."""
    government = Government.objects.filter(name=name).order_by("path").first() or Government(name=name)
    government.short_name, government.level = short_name, level
    government.parent = Government.objects.get(name=parent) if parent else None
    government.save()
    return government


def _governments(*, city: bool) -> dict[str, Government]:
    if not city:  # the county alone, where an earlier --city left it
        county = Government.objects.filter(name=COUNTY[0]).first()
        return {COUNTY[0]: county or _government(*COUNTY[:3], None)}
    return {spec[0]: _government(*spec) for spec in (CITY, COUNTY, SECOND_COUNTY)}


@transaction.atomic
def _directory_and_users(*, random_passwords: bool, city: bool = False) -> dict[str, str]:
    governments = _governments(city=city)
    county = governments[COUNTY[0]]
    # Units that an installation of one government made before it had a name go to the county.
    Unit.objects.exclude(government__in=governments.values()).filter(name__in=[u[0] for u in UNITS]).update(
        government=county
    )
    units = {}
    for order, (name, short_name, aliases, kind, parent) in enumerate(UNITS, start=1):
        units[name], _ = Unit.objects.update_or_create(
            government=county,
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
    for spec in demo_users(city=city):
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
        if spec.government:
            Affiliation.objects.update_or_create(
                user=user, defaults={"government": governments[spec.government]}
            )
        else:
            Affiliation.objects.filter(user=user).delete()
    return passwords


def _second_county() -> None:
    """The second county's units and its 2021 ledger of invented tasks (once)."""
    import datetime

    from .models import AnnualReport

    government = Government.objects.get(name=SECOND_COUNTY[0])
    units = {
        name: Unit.objects.update_or_create(
            government=government, name=name, defaults={"short_name": short, "kind": UnitKind.DEPARTMENT}
        )[0]
        for name, short in SECOND_COUNTY_UNITS
    }
    report, _ = AnnualReport.objects.get_or_create(
        government=government,
        year=2021,
        defaults={
            "title": "获嘉县2021年度法治政府建设台账（示例）",
            "issuer": SECOND_COUNTY[0],
            "state": "active",
        },
    )
    work = [(title, unit, ItemKind.TASK) for title, unit in SECOND_COUNTY_TASKS] + [
        (title, unit, ItemKind.SHORTFALL) for title, unit in SECOND_COUNTY_SHORTFALLS
    ]
    for order, (title, unit, kind) in enumerate(work, start=1):
        Item.objects.get_or_create(
            report=report,
            title=title,
            defaults={
                "year": report.year,
                "kind": kind,
                "text": f"{title}。",
                "lead_unit": units[unit],
                "order": order,
                "due_on": datetime.date(2021, 12, 31),
            },
        )


SAMPLE = "（示例）"
# A one-page PDF that says what it is.
SAMPLE_PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
    b"/Resources << /Font << /F1 5 0 R >> >> >> endobj\n"
    b"4 0 obj << /Length 58 >> stream\nBT /F1 24 Tf 72 760 Td (Sample evidence - demo data) Tj ET\n"
    b"endstream endobj\n5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


def _sample_pdf(name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, SAMPLE_PDF, content_type="application/pdf")


def _sample_year(work) -> None:
    """The 2021 ledger as a county's year runs: the 2020 report's problems and suggestions
    handed to units, and sample progress in each state, dated in 2021."""
    import datetime

    User = get_user_model()
    reviewer, staff1 = User.objects.get(username="reviewer"), User.objects.get(username="staff1")
    units = {unit.name: unit for unit in Unit.objects.all()}
    work.state = "active"
    work.save(update_fields=["state", "updated_at"])
    shortfalls = list(work.items.filter(kind=ItemKind.SHORTFALL).order_by("order"))
    measures = list(work.items.filter(kind=ItemKind.MEASURE).order_by("order"))
    offices, staffing = shortfalls
    leaders, training, uploads = measures
    for item, unit in [
        (offices, "县司法局"),
        (staffing, "县司法局"),
        (leaders, "县人民政府办公室"),
        (training, "县司法局"),
        (uploads, "县司法局"),
    ]:
        items_assign(items=[item], user=reviewer, changes={"lead_unit": units[unit]})
        item.refresh_from_db()

    def progress(item, note, status=None, files=(), day=None):
        _sample_progress(item, staff1, note, status, day, files)

    def review(item, decision, comment, day):
        _sample_review(item, reviewer, decision, comment, day)

    d = datetime.date
    # Done: training held, submitted with its evidence, approved.
    progress(training, "已制定全年执法培训计划。", ItemStatus.IN_PROGRESS, day=d(2021, 3, 15))
    progress(
        training,
        "全县举办行政执法人员培训2期，参训320人次，培训通知和签到表见附件。",
        ItemStatus.SUBMITTED,
        files=[_sample_pdf("执法培训签到表（示例材料）.pdf")],
        day=d(2021, 6, 28),
    )
    review(training, ReviewDecision.APPROVE, "", d(2021, 7, 2))
    # Returned: submitted without the list the office asked for.
    progress(offices, "已摸排各乡镇法制机构设置情况。", ItemStatus.IN_PROGRESS, day=d(2021, 4, 8))
    progress(
        offices,
        "7个乡镇均已明确法制审核人员。",
        ItemStatus.SUBMITTED,
        files=[_sample_pdf("乡镇法制审核人员情况（示例材料）.pdf")],
        day=d(2021, 9, 10),
    )
    review(offices, ReviewDecision.RETURN, "请补充各乡镇法制审核人员名单及资格证明。", d(2021, 9, 14))
    # Waiting for review.
    progress(uploads, "已明确专人负责督导平台资料上传。", ItemStatus.IN_PROGRESS, day=d(2021, 5, 6))
    progress(
        uploads,
        "全年资料已按时上传至省依法行政督导平台。",
        ItemStatus.SUBMITTED,
        files=[_sample_pdf("平台上传记录（示例材料）.pdf")],
        day=d(2021, 12, 20),
    )
    # In progress, and now overdue; the government office's measure never started (overdue).
    progress(staffing, "已向编办申请增加一线执法人员编制。", ItemStatus.IN_PROGRESS, day=d(2021, 8, 18))
    _sample_instructions(staffing=staffing, training=training, staff1=staff1, day=d)
    # The office chases the overdue staffing shortfall (催办).
    (chase,) = items_chase(items=[staffing], user=reviewer, note=f"{SAMPLE}请于9月底前报送编制申请进展。")
    _dated(chase.update, d(2021, 9, 20))
    Chase.objects.filter(pk=chase.pk).update(created_at=_at(d(2021, 9, 20)))


def _sample_instructions(*, staffing, training, staff1, day) -> None:
    """The county head's instructions (批示): one on the overdue staffing shortfall, answered by
    the unit and still open; one on the training, answered and handled (办结)."""
    leader = get_user_model().objects.get(username="leader")
    open_one = instruction_add(
        item=staffing, user=leader, text=f"{SAMPLE}请县司法局加快推进执法人员编制申请，月底前报告进展。"
    )
    reply = instruction_reply(
        instruction=open_one, user=staff1, note=f"{SAMPLE}已与县编办对接，申请材料已报送，待编委会研究。"
    )
    handled = instruction_add(
        item=training, user=leader, text=f"{SAMPLE}培训要覆盖全部乡镇执法人员，注重实效。"
    )
    answer = instruction_reply(
        instruction=handled, user=staff1, note=f"{SAMPLE}两期培训已覆盖全县7个乡镇执法人员，签到表已上传。"
    )
    instruction_handle(instruction=handled, user=leader)
    Instruction.objects.filter(pk=open_one.pk).update(created_at=_at(day(2021, 9, 1)))
    Instruction.objects.filter(pk=handled.pk).update(
        created_at=_at(day(2021, 6, 1)), handled_at=_at(day(2021, 7, 5))
    )
    _dated(reply, day(2021, 9, 12))
    _dated(answer, day(2021, 6, 30))
    ProgressUpdate.objects.filter(instruction=handled, kind=UpdateKind.HANDLED).update(
        created_at=_at(day(2021, 7, 5))
    )


def _sample_tasks(*, year: int, government) -> None:
    """The year's 任务分解表: an invented sample sheet (its title says 示例数据), imported as
    the office would, its tasks titled （示例）…, and sample progress on four of them."""
    import datetime

    from django.db.models import Value
    from django.db.models.functions import Concat

    from .tasksheet_services import sample_task_sheet_import

    User = get_user_model()
    reviewer = User.objects.get(username="reviewer")
    result = sample_task_sheet_import(year=year, user=reviewer, government=government)
    if not result.created:
        return
    tasks = Item.objects.filter(pk__in=[item.pk for item in result.items])
    tasks.update(title=Concat(Value(SAMPLE), "title"))
    by_title = {item.title.removeprefix(SAMPLE): item for item in tasks}
    staff = {name: User.objects.get(username=name) for name in ("staff1", "staff2")}

    def progress(title, who, note, status, day, files=()):
        _sample_progress(by_title[title], staff[who], note, status, day, files)

    d = datetime.date
    progress(
        "全面推行证明事项告知承诺制", "staff1", "已梳理证明事项清单。", ItemStatus.IN_PROGRESS, d(2021, 4, 20)
    )
    progress(
        "全面推行证明事项告知承诺制",
        "staff1",
        "已公布告知承诺事项目录共46项。",
        ItemStatus.SUBMITTED,
        d(2021, 9, 16),
        files=[_sample_pdf("告知承诺事项目录（示例材料）.pdf")],
    )
    _sample_review(
        by_title["全面推行证明事项告知承诺制"], reviewer, ReviewDecision.APPROVE, "", d(2021, 9, 22)
    )
    progress("优化营商环境", "staff2", "已完成涉企许可事项清理初稿。", ItemStatus.IN_PROGRESS, d(2021, 5, 11))
    progress("规范涉企行政检查", "staff2", "已制定年度抽查计划。", ItemStatus.IN_PROGRESS, d(2021, 3, 2))
    progress(
        "规范涉企行政检查",
        "staff2",
        "全年开展“双随机、一公开”抽查12次，结果已公示。",
        ItemStatus.SUBMITTED,
        d(2021, 11, 26),
        files=[_sample_pdf("抽查结果公示（示例材料）.pdf")],
    )


def _sample_progress(item, user, note, status, day, files=()) -> None:
    """Sample progress through the service, marked （示例） and dated ``day`` in the sample year."""
    item.refresh_from_db()
    update = item_add_progress(
        item=item,
        user=user,
        note=f"{SAMPLE}{note}",
        status=status,
        files=files,
        expected_version=item.version,
    )
    _dated(update, day)


def _sample_review(item, reviewer, decision, comment, day) -> None:
    """A sample decision through the service, its comment marked （示例）, dated ``day``."""
    item.refresh_from_db()
    decided = item_review(
        item=item, user=reviewer, decision=decision, comment=comment and f"{SAMPLE}{comment}"
    )
    _dated(decided.update, day)
    Review.objects.filter(pk=decided.pk).update(created_at=_at(day))
    if decision == ReviewDecision.APPROVE:
        Item.objects.filter(pk=item.pk).update(done_at=_at(day))


def _set_up_dated(*, years: list[int]) -> None:
    """The ledger was set up at the start of 2021, before any sample progress: the report
    imported (9:00), its work handed to units (9:30), the 任务分解表 imported. Date those history
    entries so, not on the day the demo was loaded, and each item's last update as its latest
    entry: an item's history then reads in order, and the lists show 2021 dates."""
    import datetime

    from django.db.models import OuterRef, Subquery

    from tracker.choices import UpdateKind

    day = datetime.date(2021, 3, 1)
    entries = ProgressUpdate.objects.filter(item__year__in=years)
    for kind, at in ((UpdateKind.IMPORT, datetime.time(9, 0)), (UpdateKind.ASSIGNMENT, datetime.time(9, 30))):
        entries.filter(kind=kind).update(created_at=timezone.make_aware(datetime.datetime.combine(day, at)))
    latest = (
        ProgressUpdate.objects.filter(item=OuterRef("pk")).order_by("-created_at", "-pk").values("created_at")
    )
    Item.objects.filter(year__in=years).update(updated_at=Subquery(latest[:1]))


def _at(day):
    import datetime

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


def _dated(update, day) -> None:
    """Date a sample history entry (and its files) in the sample year, not today."""
    if day is None:
        return
    ProgressUpdate.objects.filter(pk=update.pk).update(created_at=_at(day))
    update.evidence.update(created_at=_at(day))
    if update.status_to == ItemStatus.SUBMITTED:
        Item.objects.filter(pk=update.item_id).update(submitted_at=_at(day))
