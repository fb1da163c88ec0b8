"""Database constraints and model-level rules keep the ledger sane."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from reports.models import AnnualReport, framework_for_year
from tests.factories import (
    AnnualReportFactory,
    ItemFactory,
    MetricFactory,
    ReviewerFactory,
    ReviewFactory,
    SectionFactory,
    UnitFactory,
    UnitRatingFactory,
    UserFactory,
)
from tracker.models import Membership, Metric, Unit
from tracker.services import items_assign

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def assert_refused(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_duplicate_year_is_refused():
    AnnualReportFactory(year=2020)
    assert_refused(lambda: AnnualReport.objects.create(year=2020, title="另一份2020年报告"))
    assert AnnualReport.objects.filter(year=2020).count() == 1


def test_year_out_of_range_is_refused():
    assert_refused(lambda: AnnualReport.objects.create(year=1800, title="x"))


def test_duplicate_unit_name_is_refused():
    UnitFactory(name="县司法局")
    assert_refused(lambda: Unit.objects.create(name="县司法局"))


def test_user_belongs_to_a_unit_once_but_to_several_units():
    user, unit_a, unit_b = UserFactory(), UnitFactory(), UnitFactory()
    Membership.objects.create(user=user, unit=unit_a)
    Membership.objects.create(user=user, unit=unit_b)
    assert_refused(lambda: Membership.objects.create(user=user, unit=unit_a))
    assert set(user.units.all()) == {unit_a, unit_b}


def test_lead_unit_cannot_also_cooperate():
    item = ItemFactory()
    other = UnitFactory()
    with pytest.raises(ValidationError) as excinfo:
        items_assign(
            items=[item],
            user=ReviewerFactory(),
            changes={"lead_unit": item.lead_unit, "cooperating_units": [item.lead_unit, other]},
        )
    assert "cannot also be a cooperating unit" in " ".join(excinfo.value.messages)
    assert item.cooperating_units.count() == 0


def test_assigning_units_bumps_the_version():
    item = ItemFactory()
    new_lead, helper = UnitFactory(), UnitFactory()
    items_assign(
        items=[item], user=ReviewerFactory(), changes={"lead_unit": new_lead, "cooperating_units": [helper]}
    )
    item.refresh_from_db()
    assert item.lead_unit == new_lead
    assert list(item.cooperating_units.all()) == [helper]
    assert item.version == 2


@pytest.mark.parametrize("field, value", [("kind", "wish"), ("status", "lost"), ("title", "")])
def test_item_fields_outside_their_closed_sets_are_refused(field, value):
    assert_refused(lambda: ItemFactory(**{field: value}))


def test_review_decision_must_be_approve_or_return():
    assert_refused(lambda: ReviewFactory(decision="maybe"))


def test_returning_without_a_comment_is_refused():
    assert_refused(lambda: ReviewFactory(decision="return", comment=""))
    assert ReviewFactory(decision="return", comment="佐证材料不全").pk


def test_one_rating_per_unit_per_year_from_a_closed_set():
    rating = UnitRatingFactory(grade="good")
    assert_refused(lambda: UnitRatingFactory(report=rating.report, unit=rating.unit, grade="fair"))
    assert_refused(lambda: UnitRatingFactory(grade="A+"))


def test_metric_must_belong_to_an_item_or_a_section():
    assert_refused(lambda: Metric.objects.create(label="x", value=1))
    assert MetricFactory(item=None, section=SectionFactory()).pk


def test_section_order_is_unique_within_a_report():
    section = SectionFactory(order=1)
    assert_refused(lambda: SectionFactory(report=section.report, order=1))


def test_metric_keeps_decimal_values_exactly():
    metric = MetricFactory(value=Decimal("1170.05"), unit="万元")
    metric.refresh_from_db()
    assert metric.value == Decimal("1170.05")
    assert str(metric) == "政务服务事项: 1170.05万元"


def test_report_framework_follows_its_year():
    assert framework_for_year(2020) == "2015-2020"
    assert framework_for_year(2021) == "2021-2025"
    assert AnnualReportFactory(year=2022).framework == "2021-2025"


def test_a_progress_update_is_named_with_its_local_time_as_the_admin_shows_it(superuser_client):
    from datetime import UTC, datetime

    from tracker.models import ProgressUpdate

    item = ItemFactory(title="完善依法行政制度体系")
    update = ProgressUpdate.objects.create(item=item, note="已起草")
    ProgressUpdate.objects.filter(pk=update.pk).update(created_at=datetime(2026, 3, 1, 16, 30, tzinfo=UTC))
    update.refresh_from_db()
    assert str(update) == "完善依法行政制度体系 · 2026-03-02 00:30"  # Asia/Shanghai
    page = superuser_client.get(f"/admin/tracker/item/{item.pk}/change/").content.decode()
    assert "2026-03-02 00:30" in page and "2026-03-01 16:30" not in page
