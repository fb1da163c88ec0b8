"""Importing writes the parse into the ledger: once, whole, and linked."""

import datetime

import pytest
from django.db import DatabaseError
from django.db.models import Q

from reports.models import AnnualReport, Section
from reports.services import ImportRefused, report_import
from tests.factories import AnnualReportFactory, ItemFactory, ProgressUpdateFactory, UnitFactory
from tests.samples import QINGSHI, XINXIANG
from tracker.models import Item, Metric
from tracker.years import YearClosed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def ledger_counts():
    return (
        AnnualReport.objects.count(),
        Section.objects.count(),
        Item.objects.count(),
        Metric.objects.count(),
    )


def test_import_writes_the_seed_report_exactly():
    justice = UnitFactory(name="县司法局", short_name="司法局")
    result = report_import(text=XINXIANG)
    report = result.report
    assert result.created and not result.duplicate
    assert (report.year, report.title, report.issuer, str(report.published_on)) == (
        2020,
        "新乡县2020年度法治政府建设工作报告",
        "新乡县人民政府",
        "2021-05-10",
    )
    assert report.source_text == XINXIANG and len(report.source_sha256) == 64
    assert report.sections.filter(level=1).count() == 8
    assert report.sections.filter(level=2, parent__level=1).exclude(number__endswith="是").count() == 18
    assert list(report.sections.filter(level=1).values_list("area__code", flat=True)) == [
        "2015-functions",
        "2015-rules",
        "2015-decisions",
        "2015-enforcement",
        "2015-oversight",
        "2015-disputes",
        "2015-capacity",
        None,
    ]
    # The report's work is 2020's record: achievements, done. Its problems and suggestions are
    # work of 2021, stated in the 2020 report.
    assert set(report.items.values_list("kind", "status")) == {("achievement", "done")}
    assert report.items.count() == 21
    work = AnnualReport.objects.get(year=2021)
    assert (work.state, work.previous) == ("draft", report)
    assert set(work.items.values_list("stated_in", "due_on", "status")) == {
        (report.pk, datetime.date(2021, 12, 31), "not_started")
    }
    shortfalls = list(work.items.filter(kind="shortfall").order_by("order"))
    measures = list(work.items.filter(kind="measure").order_by("order"))
    assert len(shortfalls) == 2 and len(measures) == 3
    # One by one: 领导要重视 → the understaffed legal offices, 执法培训 → the enforcement staff;
    # the third (uploading results) answers neither and is flagged for a reviewer.
    assert [list(m.addresses.all()) for m in measures] == [[shortfalls[0]], [shortfalls[1]], []]
    assert [m.link_unsure for m in measures] == [False, False, True]
    items = Item.objects.filter(Q(report=report) | Q(stated_in=report))
    assert Metric.objects.filter(item__report=report).count() >= 55
    approx = Metric.objects.get(item__report=report, value=1200, unit="人次")
    assert approx.approximate
    aid = items.get(title="法律援助服务困难群体")
    assert aid.lead_unit == justice
    assert aid.area.code == "2015-disputes"
    for item in items:
        assert "浏览量" not in item.text and "分享" not in item.text
        for line in item.text.split("\n"):
            assert line in XINXIANG


def test_the_same_text_twice_creates_nothing_the_second_time():
    report_import(text=XINXIANG)
    before = ledger_counts()
    again = report_import(text=XINXIANG)
    assert again.duplicate and not again.created
    assert ledger_counts() == before


def test_dry_run_writes_nothing():
    result = report_import(text=XINXIANG, dry_run=True)
    assert not result.created
    assert ledger_counts() == (0, 0, 0, 0)
    assert result.parsed.count("achievement") == 21


def test_a_different_text_for_an_imported_year_is_refused_unless_replacing():
    report_import(text=XINXIANG)
    before = ledger_counts()
    changed = XINXIANG.replace("网站访问量达296694次", "网站访问量达300000次")
    with pytest.raises(ImportRefused, match="2020"):
        report_import(text=changed)
    assert ledger_counts() == before


def test_replacing_keeps_items_with_progress_and_says_which():
    first = report_import(text=XINXIANG).report
    worked_on = first.items.get(title="发挥审计综合监督作用")
    ProgressUpdateFactory(item=worked_on, note="审计项目已完成")
    changed = XINXIANG.replace("网站访问量达296694次", "网站访问量达300000次")
    result = report_import(text=changed, replace=True)
    assert [item.pk for item in result.kept_items] == [worked_on.pk]
    report = result.report
    assert report.pk == first.pk
    assert report.items.count() == 21 + 1
    assert report.items.filter(pk=worked_on.pk, section__isnull=True).exists()
    # The work it states for 2021 was replaced too, not doubled.
    assert Item.objects.filter(stated_in=report).count() == 5
    assert Metric.objects.filter(item__report=report, value=300000).exists()


def test_a_closed_year_refuses_import():
    AnnualReportFactory(year=2020, state="closed")
    with pytest.raises(YearClosed, match="closed"):
        report_import(text=XINXIANG)


def test_a_structureless_text_is_refused_and_writes_nothing():
    with pytest.raises(ImportRefused, match="No numbered sections"):
        report_import(text="某县2021年工作总结\n今年做了很多工作。")
    assert ledger_counts() == (0, 0, 0, 0)


def test_a_text_without_a_year_is_refused():
    with pytest.raises(ImportRefused, match="year"):
        report_import(text="工作报告\n一、依法行政\n做了很多工作。")


def test_a_year_can_be_given_when_the_text_has_none():
    result = report_import(text="工作报告\n一、依法行政\n做了很多工作。", year=2023)
    assert result.report.year == 2023
    assert result.report.items.count() == 1


def test_import_links_to_the_previous_and_next_years():
    y2019 = AnnualReportFactory(year=2019)
    y2021 = AnnualReportFactory(year=2021)
    report = report_import(text=XINXIANG).report
    assert report.previous == y2019
    y2021.refresh_from_db()
    assert y2021.previous == report


def test_import_into_an_existing_empty_year_record_uses_it():
    record = AnnualReportFactory(year=2022, title="2022年度")
    result = report_import(text=QINGSHI)
    assert result.report.pk == record.pk
    assert result.report.items.count() == 7
    assert AnnualReport.objects.get(year=2023).items.count() == 3 + 4


def test_a_database_error_midway_leaves_nothing_half_written(monkeypatch):
    def fail(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(Metric.objects, "bulk_create", fail)
    with pytest.raises(DatabaseError):
        report_import(text=XINXIANG)
    assert ledger_counts() == (0, 0, 0, 0)


def test_chosen_lead_units_override_the_suggestions():
    market = UnitFactory(name="县市场监督管理局")
    result = report_import(text=QINGSHI, lead_units={0: market.pk, 1: None})
    items = list(result.report.items.order_by("order"))
    assert items[0].lead_unit == market
    assert items[1].lead_unit is None


def test_each_imported_item_opens_its_history_with_one_import_entry():
    from tracker.models import ProgressUpdate

    result = report_import(text=QINGSHI)
    items = list(Item.objects.filter(Q(report=result.report) | Q(stated_in=result.report)))
    entries = ProgressUpdate.objects.filter(item__in=items)
    assert entries.count() == len(items) == 14 and {e.kind for e in entries} == {"import"}
    title = result.report.title
    by_kind = {(e.item.kind, e.text, e.status_to) for e in entries.select_related("item")}
    assert by_kind == {
        ("achievement", f"Done, according to 《{title}》.", "done"),
        ("shortfall", f"Stated in 《{title}》; work of 2023.", ""),
        ("measure", f"Stated in 《{title}》; work of 2023.", ""),
    }


def test_a_closed_next_year_refuses_the_work_the_report_states_for_it():
    AnnualReportFactory(year=2021, state="closed")
    with pytest.raises(YearClosed, match="2021"):
        report_import(text=XINXIANG)
    assert not AnnualReport.objects.filter(year=2020).exists()


def test_the_work_lands_in_an_existing_next_year_after_its_own_items():
    y2021 = AnnualReportFactory(year=2021, state="active")
    task = ItemFactory(report=y2021, order=40, title="任务分解表的一项")
    report = report_import(text=XINXIANG).report
    y2021.refresh_from_db()
    assert y2021.previous == report and y2021.state == "active"
    work = list(y2021.items.order_by("order", "pk"))
    assert work[0] == task and len(work) == 6
    assert all(item.order > 40 and item.stated_in == report for item in work[1:])


def test_the_reviewer_sets_the_deadline_and_the_links_on_the_preview():
    parsed_items = report_import(text=XINXIANG, dry_run=True).parsed.items
    shortfall_1, shortfall_2 = (n for n, i in enumerate(parsed_items) if i.kind == "shortfall")
    measure_3 = [n for n, i in enumerate(parsed_items) if i.kind == "measure"][2]
    report_import(
        text=XINXIANG,
        due_on=datetime.date(2021, 6, 30),
        links={measure_3: [shortfall_1, shortfall_2]},
    )
    work = AnnualReport.objects.get(year=2021).items
    assert set(work.values_list("due_on", flat=True)) == {datetime.date(2021, 6, 30)}
    third = work.get(title="要重视日常工作成果的上传工作")
    assert set(third.addresses.values_list("title", flat=True)) == {
        "部分行政执法单位和乡(镇)政府法制机构不健全",
        "队伍建设有待加强",
    }
    assert not work.filter(link_unsure=True).exists()
