"""Reminders by mail: the right items, once a day, in Chinese."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.factories import AnnualReportFactory, ItemFactory, StaffFactory
from tracker.models import ReminderLog

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_reminders_name_the_right_items_and_are_not_sent_twice_a_day(mailoutbox, lead_unit, other_unit):
    today = timezone.localdate()
    report = AnnualReportFactory(year=2020, state="active")
    staff = StaffFactory(units=[lead_unit], email="sfj@example.gov.cn")
    StaffFactory(units=[other_unit], email="")  # no address: no mail
    ItemFactory(report=report, lead_unit=lead_unit, title="三天后到期", due_on=today + timedelta(days=3))
    ItemFactory(report=report, lead_unit=lead_unit, title="已经逾期", due_on=today - timedelta(days=2))
    ItemFactory(report=report, lead_unit=lead_unit, title="被退回的", status="returned")
    ItemFactory(report=report, lead_unit=lead_unit, title="一个月后到期", due_on=today + timedelta(days=30))
    ItemFactory(report=report, lead_unit=lead_unit, title="已办结", due_on=today, status="done")
    ItemFactory(report=report, lead_unit=other_unit, title="别的单位的", due_on=today)
    call_command("send_reminders", "--days", "7", verbosity=0)
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["sfj@example.gov.cn"]
    for title in ("三天后到期", "已经逾期", "被退回的"):
        assert title in mail.body
    for title in ("一个月后到期", "已办结", "别的单位的"):
        assert title not in mail.body
    assert ReminderLog.objects.get(user=staff).item_count == 3
    call_command("send_reminders", "--days", "7", verbosity=0)
    assert len(mailoutbox) == 1


def test_reminders_are_written_in_chinese(mailoutbox, lead_unit):
    from django.utils import translation

    StaffFactory(units=[lead_unit], email="a@example.gov.cn")
    ItemFactory(report=AnnualReportFactory(year=2020), lead_unit=lead_unit, due_on=timezone.localdate())
    with translation.override("zh-hans"):
        call_command("send_reminders", verbosity=0)
    assert "逾期" in mailoutbox[0].body or "天内到期" in mailoutbox[0].body
