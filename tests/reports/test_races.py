"""Rollovers and imports that race: the unique year holds, and the person who loses is told so
in Chinese (never "Server Error"), with nothing written twice."""

import re
import threading

import pytest
from django.db import connection
from django.urls import reverse

import reports.views  # noqa: F401 - imported before any test patches reports.services
from reports import services
from reports.models import AnnualReport
from reports.services import report_import, year_rollover
from tests.factories import AnnualReportFactory, ItemFactory, ReviewerFactory
from tests.samples import XINXIANG
from tracker.models import Item

pytestmark = pytest.mark.django_db


def run_together(*calls):
    """Run each call in its own thread (its own database connection), started at once;
    returns each one's result or exception."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(n, call):
        from django.db import connection as own

        try:
            barrier.wait(timeout=10)
            outcomes[n] = call()
        except Exception as error:  # the test looks at what each got
            outcomes[n] = error
        finally:
            own.close()

    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


# -- rollover -----------------------------------------------------------------------------------


@pytest.fixture
def open_year(lead_unit):
    report = AnnualReportFactory(year=2020, state="active")
    for n in range(3):
        ItemFactory(report=report, lead_unit=lead_unit, title=f"未完成的任务{n}", status="in_progress")
    return report


def test_a_rollover_that_loses_the_race_for_the_new_year_is_answered_409(
    reviewer_client, open_year, monkeypatch
):
    """The record of 2021 appears between the plan (no record yet) and its creation. (The view
    imported the real plan for its own page; only the rollover's check is raced.)"""
    real_plan = services.rollover_plan

    def plan_then_race(**kwargs):
        plan = real_plan(**kwargs)
        AnnualReport.objects.create(year=2021, title="别人刚建立的2021年度台账")
        return plan

    monkeypatch.setattr(services, "rollover_plan", plan_then_race)
    response = reviewer_client.post(reverse("reports:rollover", args=[2020]))
    content = response.content.decode()
    assert response.status_code == 409
    assert "其他人刚刚同时结转了 2020 年度" in content
    assert "未完成的任务0" in content  # what is left to carry, shown again
    assert not Item.objects.filter(year=2021).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_rollovers_at_once_carry_each_item_once(lead_unit):
    report = AnnualReportFactory(year=2020, state="active")
    for _ in range(3):
        ItemFactory(report=report, lead_unit=lead_unit, status="in_progress")
    reviewers = [ReviewerFactory() for _ in range(2)]
    outcomes = run_together(
        *[lambda user=user: year_rollover(from_year=2020, to_year=2021, user=user) for user in reviewers]
    )
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sorted(len(plan.carried) for plan in outcomes) == [0, 3]
    assert AnnualReport.objects.filter(year=2021).count() == 1
    assert Item.objects.filter(year=2021).count() == 3


# -- import confirmed twice -------------------------------------------------------------------------


def confirm_import(client):
    """Upload the 2020 text, open the preview, and confirm it."""
    client.post("/reports/import/", {"text": XINXIANG})
    token = re.search(
        r'name="token" value="([^"]+)"', client.get("/reports/import/preview/").content.decode()
    )
    return client.post("/reports/import/confirm/", {"token": token.group(1)}, follow=True)


def test_a_confirm_that_loses_the_race_to_the_same_import_is_told_it_was_imported(
    reviewer_client, monkeypatch
):
    """The other confirm (a double click, a second reviewer) committed after this one's first
    check saw nothing: the check under lock finds the text and writes nothing more."""
    real_target = services.report_import_target
    blind = {"first": True}

    def target_before_the_other_commit(**kwargs):
        if blind.pop("first", False) and not kwargs.get("lock"):
            return None, False
        return real_target(**kwargs)

    reviewer_client.post("/reports/import/", {"text": XINXIANG})
    report_import(text=XINXIANG, user=ReviewerFactory())  # the other confirm, committed
    items = Item.objects.count()
    token = re.search(
        r'name="token" value="([^"]+)"', reviewer_client.get("/reports/import/preview/").content.decode()
    )
    monkeypatch.setattr(services, "report_import_target", target_before_the_other_commit)
    response = reviewer_client.post("/reports/import/confirm/", {"token": token.group(1)}, follow=True)
    assert response.status_code == 200
    assert "这份报告之前已导入" in response.content.decode()
    assert AnnualReport.objects.filter(year=2020).count() == 1
    assert Item.objects.count() == items


def test_a_confirm_that_loses_the_race_for_the_year_is_answered_with_a_conflict(reviewer_client, monkeypatch):
    """Another import creates the year's record between this one's check (no record to lock)
    and its insert."""
    real_write = services._write

    def write_after_the_other(*args, **kwargs):
        AnnualReport.objects.create(year=2020, title="别人刚导入的报告", source_sha256="0" * 64)
        return real_write(*args, **kwargs)

    monkeypatch.setattr(services, "_write", write_after_the_other)
    response = confirm_import(reviewer_client)
    assert response.status_code == 200
    content = response.content.decode()
    assert "其他人刚刚同时导入了 2020 年度的报告" in content
    assert response.redirect_chain[-1][0] == "/reports/import/preview/"  # the draft is still there
    assert not Item.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_the_same_import_confirmed_twice_at_once_writes_it_once():
    reviewers = [ReviewerFactory() for _ in range(2)]
    outcomes = run_together(
        *[lambda user=user: report_import(text=XINXIANG, user=user) for user in reviewers]
    )
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sorted((o.created, o.duplicate) for o in outcomes) == [(False, True), (True, False)]
    assert AnnualReport.objects.filter(year=2020).count() == 1
    assert AnnualReport.objects.filter(year=2021).count() == 1
    assert Item.objects.filter(year=2020).count() == 21  # achievements
    assert Item.objects.filter(year=2021).count() == 5  # the work the report left for 2021
