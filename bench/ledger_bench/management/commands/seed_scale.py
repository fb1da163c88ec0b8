"""Synthetic ledgers for benchmarks: years, units, items, progress, reviews, evidence rows.

Deterministic for a given --seed. Bulk inserts in batches, so that hundreds of thousands of
items load in minutes. Evidence rows carry metadata only (no files on disk).

``--governments N`` seeds a province instead of one government: 合成省人民政府 directly above N
counties (合成县001人民政府 ...; no city level between them, so the province's supervisors see
one row per county in a roll-up), each county with its own ``--units`` units and staff
(``bench-g001-staff-000`` ...), its reviewer and leader (``bench-g001-reviewer``,
``bench-g001-leader``), a report per year (published by 1 April of the next year, some late,
some not yet) and an equal share of ``--items``; the province's supervisors are
``bench-province-reviewer`` and ``bench-province-leader``. Each county draws from its own
random stream (the seed and its number), so county 001 of a province is the same ledger as
county 001 seeded alone with ``--governments 1`` and the same per-county size: the basis of
the "county within the province vs the county alone" comparison in ``bench/province_bench.py``.
"""

import random
import time
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from reports.models import AnnualReport, Section, framework_for_year
from tracker import roles
from tracker.choices import GovernmentLevel
from tracker.ledger_cache import ledger_changed
from tracker.models import (
    Affiliation,
    Area,
    Evidence,
    Government,
    Item,
    Membership,
    Metric,
    ProgressUpdate,
    Review,
    Unit,
)
from tracker.search import bigram_index_set_aside

ACTIONS = ["全面推进", "深入开展", "持续深化", "切实加强", "扎实推进", "不断完善", "积极推动", "严格落实"]
SUBJECTS = [
    "行政审批制度改革", "规范性文件备案审查", "重大行政决策程序", "行政执法三项制度", "政务信息公开",
    "行政复议规范化建设", "人民调解组织建设", "法律援助服务", "领导干部学法用法", "执法人员培训考核",
    "审计监督", "“一网通办”改革", "营商环境优化", "法律顾问制度", "矛盾纠纷排查化解", "信访事项依法办理",
]  # fmt: skip
SENTENCES = [
    "按照年度工作要点,明确责任分工和完成时限,建立工作台账,实行清单化管理。",
    "全年共组织专题培训{n}次,参训人员{m}余人次,培训覆盖率达到100%。",
    "梳理公布权责事项{n}项,对{m}个部门开展专项检查,发现问题及时督促整改。",
    "建立健全工作机制,定期召开推进会议,研究解决工作中的困难和问题。",
    "办理各类案件{n}件,办结率{p}%,群众满意度明显提升。",
    "加强与县直各部门、各乡镇的沟通协调,形成工作合力,确保各项任务落地见效。",
]
NOTES = [
    "已制定工作方案。",
    "已召开专题推进会。",
    "完成阶段性任务,报送材料。",
    "组织自查,整改发现的问题。",
    "按要求上传佐证材料。",
]
PROVINCE = "合成省人民政府"
STATUSES = ["not_started", "in_progress", "in_progress", "submitted", "returned", "done", "done", "done"]


class Command(BaseCommand):
    help = "Create synthetic years, units and items for benchmarks (deterministic)."

    def add_arguments(self, parser):
        parser.add_argument("--items", type=int, required=True)
        parser.add_argument("--years", type=int, default=3)
        parser.add_argument("--units", type=int, default=40)
        parser.add_argument("--seed", type=int, default=2020)
        parser.add_argument("--batch", type=int, default=2000)
        parser.add_argument(
            "--governments",
            type=int,
            default=None,
            help=(
                "Seed a province directly above this many counties (no city level), each with "
                "--units units of its own, its staff, reviewer and leader (bench-g001-reviewer ...), "
                "a report per year and an equal share of --items; the province's supervisors are "
                "bench-province-reviewer and bench-province-leader. Unset: one government, as before."
            ),
        )

    @staticmethod
    def _schedule(rng, start_of_year):
        """Deadline and status; a done item was approved some days before or after its deadline."""
        due_on = start_of_year + timedelta(days=rng.randint(60, 700))
        status = rng.choice(STATUSES)
        done_at = None
        if status == "done":
            day = due_on + timedelta(days=rng.randint(-40, 15))
            done_at = timezone.make_aware(timezone.datetime(day.year, day.month, day.day, 10))
        return {"due_on": due_on, "status": status, "done_at": done_at}

    def handle(self, *args, items, years, units, seed, batch, governments=None, **options):
        if governments is not None:
            if governments < 1 or items < governments:
                raise CommandError("--governments must be at least 1 and at most --items.")
            return self._province(items, years, units, seed, batch, governments)
        rng = random.Random(seed)
        started = time.monotonic()
        unit_list, staff = self._units_and_staff(units)
        reviewer = self._user("bench-reviewer", roles.REVIEWER, None)
        report_years = list(range(timezone.localdate().year - years, timezone.localdate().year))
        reports = self._reports(report_years)
        sections = {r.pk: list(r.sections.filter(level=1)) for r in reports}
        # Progress rows carry their own timestamps here (history spread over the year).
        field = ProgressUpdate._meta.get_field("created_at")
        field.auto_now_add = False
        try:
            with bigram_index_set_aside():
                done = self._load(rng, items, reports, sections, unit_list, staff, reviewer, batch)
        finally:
            field.auto_now_add = True
            # Written in bulk, past the services: running servers must count again.
            ledger_changed()
        self.stdout.write(
            f"\nseeded {done} items in {time.monotonic() - started:.0f} s (search index included): "
            f"{Item.objects.count()} items in all"
        )

    def _province(self, items, years, units, seed, batch, count):
        """The province and its ``count`` counties (see the module's docstring)."""
        started = time.monotonic()
        report_years = list(range(timezone.localdate().year - years, timezone.localdate().year))
        province = Government.objects.filter(name=PROVINCE, parent=None).first()
        if province is None:
            province = Government.objects.create(
                name=PROVINCE, short_name="合成省", level=GovernmentLevel.PROVINCE
            )
        for role, group in (("reviewer", roles.REVIEWER), ("leader", roles.LEADER)):
            self._user(f"bench-province-{role}", group, None, government=province)
        per_county = items // count
        field = ProgressUpdate._meta.get_field("created_at")
        field.auto_now_add = False
        done = 0
        try:
            with bigram_index_set_aside():
                for number in range(1, count + 1):
                    # Its own stream: county 001 is the same whether seeded alone or among 100.
                    rng = random.Random(f"{seed}-county-{number:03d}")
                    county, _ = Government.objects.get_or_create(
                        parent=province,
                        name=f"合成县{number:03d}人民政府",
                        defaults={"short_name": f"合成县{number:03d}", "level": GovernmentLevel.COUNTY},
                    )
                    prefix = f"bench-g{number:03d}"
                    unit_list, staff = self._units_and_staff(
                        units, government=county, prefix=f"{prefix}-staff-"
                    )
                    reviewer = self._user(f"{prefix}-reviewer", roles.REVIEWER, None, government=county)
                    self._user(f"{prefix}-leader", roles.LEADER, None, government=county)
                    reports = self._reports(report_years, government=county, rng=rng)
                    sections = {r.pk: list(r.sections.filter(level=1)) for r in reports}
                    done += self._load(
                        rng, per_county, reports, sections, unit_list, staff, reviewer, batch, quiet=True
                    )
                    self.stdout.write(
                        f"\r{number}/{count} governments, {done} items new ({time.monotonic() - started:.0f} s)",
                        ending="",
                    )
                    self.stdout.flush()
        finally:
            field.auto_now_add = True
            ledger_changed()
        self.stdout.write(
            f"\nseeded {done} items in {count} governments in {time.monotonic() - started:.0f} s (search index "
            f"included): {Item.objects.count()} items in all"
        )

    def _load(self, rng, items, reports, sections, unit_list, staff, reviewer, batch, quiet=False) -> int:
        per_year = items // len(reports)
        done = 0
        for index, report in enumerate(reports):
            count = per_year + (items - per_year * len(reports) if index == len(reports) - 1 else 0)
            offset = report.items.count()
            while offset < count:
                size = min(batch, count - offset)
                self._batch(rng, report, sections[report.pk], unit_list, staff, reviewer, offset, size)
                offset += size
                done += size
                if not quiet:
                    self.stdout.write(f"\r{done}/{items} items", ending="")
                    self.stdout.flush()
        return done

    def _user(self, username, group, unit, government=None):
        User = get_user_model()
        user, created = User.objects.get_or_create(username=username, defaults={"first_name": username})
        if created:
            user.set_password(f"{username}-pass-2020")
            user.save()
            user.groups.add(Group.objects.get(name=group))
            if government is not None:
                Affiliation.objects.create(user=user, government=government)
            if unit:
                Membership.objects.create(user=user, unit=unit)
        return user

    def _units_and_staff(self, count, government=None, prefix="bench-staff-"):
        units = []
        for n in range(count):
            unit, _ = Unit.objects.get_or_create(
                name=f"合成单位{n:03d}",
                **({"government": government} if government is not None else {}),
                defaults={"short_name": f"单位{n:03d}", "kind": "township" if n % 4 == 0 else "department"},
            )
            units.append(unit)
        User = get_user_model()
        password = make_password("bench-staff-2020")
        existing = set(User.objects.filter(username__startswith=prefix).values_list("username", flat=True))
        new = [
            User(username=f"{prefix}{n:03d}", first_name=f"经办{n:03d}", password=password)
            for n in range(count)
        ]
        User.objects.bulk_create([u for u in new if u.username not in existing])
        staff = list(User.objects.filter(username__startswith=prefix).order_by("username"))
        group = Group.objects.get(name=roles.STAFF)
        group.user_set.add(*staff)
        Membership.objects.bulk_create(
            [Membership(user=user, unit=unit) for user, unit in zip(staff, units, strict=False)],
            ignore_conflicts=True,
        )
        return units, staff

    def _reports(self, years, government=None, rng=None):
        """A report per year; for a county of a province (``government``) each published by
        1 April of the next year, about one in six late and, the last year, one in five not yet."""
        reports, previous = [], None
        for year in years:
            defaults = {
                "title": f"合成县{year}年度法治政府建设工作报告",
                "issuer": "合成县人民政府",
                "state": "active",
            }
            lookup = {"year": year}
            if government is not None:
                lookup["government"] = government
                defaults["title"] = f"{government.short_name}{year}年度法治政府建设工作报告"
                defaults["issuer"] = government.name
                draw = rng.random()
                if year == years[-1] and draw < 0.2:
                    published = None
                elif draw < 0.37:
                    published = date(year + 1, 4, 1) + timedelta(days=rng.randint(1, 60))
                else:
                    published = date(year + 1, 1, 15) + timedelta(days=rng.randint(0, 76))
                defaults["published_on"] = published
            report, _created = AnnualReport.objects.get_or_create(**lookup, defaults=defaults)
            if report.previous_id is None and previous is not None:
                report.previous = previous
                report.save(update_fields=["previous"])
            if not report.sections.exists():
                areas = Area.objects.filter(framework=framework_for_year(year)).order_by("order")
                Section.objects.bulk_create(
                    [
                        Section(
                            report=report,
                            level=1,
                            number=f"{n + 1}、",
                            heading=a.name,
                            kind="work",
                            area=a,
                            order=n + 1,
                        )
                        for n, a in enumerate(areas)
                    ]
                )
            reports.append(report)
            previous = report
        return reports

    @transaction.atomic
    def _batch(self, rng, report, sections, units, staff, reviewer, offset, size):
        start_of_year = date(report.year, 1, 1)
        items = []
        for n in range(offset, offset + size):
            section = rng.choice(sections)
            subject = rng.choice(SUBJECTS)
            kind = rng.choices(["task", "shortfall", "measure"], weights=[8, 1, 1])[0]
            text = "".join(
                rng.choice(SENTENCES).format(
                    n=rng.randint(2, 500), m=rng.randint(10, 2000), p=rng.randint(80, 100)
                )
                for _ in range(rng.randint(2, 4))
            )
            lead = rng.choice(units)
            items.append(
                Item(
                    report=report,
                    year=report.year,
                    section=section,
                    area_id=section.area_id,
                    kind=kind,
                    title=f"{rng.choice(ACTIONS)}{subject}({n + 1})",
                    text=f"{subject}。{text}",
                    order=n + 1,
                    lead_unit=lead,
                    assignee=staff[units.index(lead)]
                    if rng.random() < 0.6 and units.index(lead) < len(staff)
                    else None,
                    **self._schedule(rng, start_of_year),
                )
            )
        Item.objects.bulk_create(items)
        through = Item.cooperating_units.through
        coop, updates, metrics, reviews, submitted = [], [], [], [], []
        for item in items:
            for unit in rng.sample(units, rng.randint(0, 2)):
                if unit.pk != item.lead_unit_id:
                    coop.append(through(item_id=item.pk, unit_id=unit.pk))
            moment = timezone.make_aware(timezone.datetime(report.year, 1, 1)) + timedelta(
                days=rng.randint(0, 300)
            )
            for step in range(rng.randint(3, 7)):
                moment += timedelta(days=rng.randint(1, 20), minutes=rng.randint(0, 600))
                updates.append(
                    ProgressUpdate(
                        item=item,
                        author=rng.choice(staff),
                        created_at=moment,
                        note=rng.choice(NOTES) * (1 + step % 2),
                    )
                )
            if item.status == "submitted":
                # The last entry sent it for review: the review queue's order.
                updates[-1].status_from, updates[-1].status_to = "in_progress", "submitted"
                item.submitted_at = updates[-1].created_at
                submitted.append(item)
            metrics.append(Metric(item=item, label="办理案件", value=rng.randint(1, 900), unit="件", order=0))
            if item.status in ("done", "returned"):
                decision = "approve" if item.status == "done" else "return"
                comment = "" if decision == "approve" else "佐证材料不全,请补充。"
                moment += timedelta(days=rng.randint(1, 20))
                decided = ProgressUpdate(
                    item=item,
                    author=reviewer,
                    created_at=moment,
                    kind="review",
                    note=comment,
                    status_from="submitted",
                    status_to=item.status,
                )
                updates.append(decided)
                reviews.append(
                    Review(item=item, reviewer=reviewer, decision=decision, comment=comment, update=decided)
                )
        through.objects.bulk_create(coop)
        Item.objects.bulk_update(submitted, ["submitted_at"])
        ProgressUpdate.objects.bulk_create(updates)
        Metric.objects.bulk_create(metrics)
        Review.objects.bulk_create(reviews)
        Evidence.objects.bulk_create(
            [
                Evidence(
                    update=update,
                    item_id=update.item_id,
                    file=f"evidence/seed/{update.pk}.pdf",
                    original_name="佐证材料.pdf",
                    size=rng.randint(20_000, 2_000_000),
                    content_type="application/pdf",
                    sha256=f"{update.pk:064x}",
                    uploaded_by=update.author,
                )
                for update in updates
                if rng.random() < 0.2
            ]
        )
