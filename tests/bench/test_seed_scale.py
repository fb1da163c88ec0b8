"""seed_scale: synthetic ledgers of the asked size, the same for the same seed."""

import pytest
from django.core.management import call_command

from tracker.models import Evidence, Item, ProgressUpdate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("bench_app")]


def seed(**options):
    call_command("seed_scale", items=40, years=2, units=3, verbosity=0, **options)
    return list(Item.objects.order_by("year", "order", "pk").values_list("title", "status", "due_on"))


def test_it_writes_the_items_asked_for_with_their_history():
    seed()
    assert Item.objects.count() == 40
    assert len(set(Item.objects.values_list("year", flat=True))) == 2
    updates = ProgressUpdate.objects.count()
    assert 3 * 40 <= updates <= 8 * 40  # about five a item
    assert Evidence.objects.exists()
    assert all(len(title) >= 8 for title in Item.objects.values_list("title", flat=True))


def test_the_same_seed_gives_the_same_ledger_and_another_seed_another():
    first = seed()
    Item.objects.all().delete()
    assert seed() == first
    Item.objects.all().delete()
    assert seed(seed=7) != first


def test_a_figure_cached_before_seed_scale_shows_what_it_seeded():
    from tests.tracker.test_ledger_cache import ledger_now, probe

    before = probe()
    call_command("seed_scale", items=12, years=2, units=3, verbosity=0)
    assert probe() != before
    assert probe() == ledger_now()


def test_governments_seeds_a_province_above_counties_each_with_its_people_and_share():
    from django.contrib.auth import get_user_model

    from reports.models import AnnualReport
    from tracker import permissions
    from tracker.models import Government, Unit

    call_command("seed_scale", items=60, years=2, units=3, governments=3, verbosity=0)
    province = Government.objects.get(parent=None)
    counties = list(Government.objects.filter(parent=province).order_by("name"))
    assert province.level == "province" and [c.level for c in counties] == ["county"] * 3
    assert [c.name for c in counties] == ["合成县001人民政府", "合成县002人民政府", "合成县003人民政府"]
    for county in counties:
        assert Item.objects.filter(report__government=county).count() == 20
        assert AnnualReport.objects.filter(government=county).count() == 2
        assert Unit.objects.filter(government=county).count() == 3
    User = get_user_model()
    reviewer = User.objects.get(username="bench-g002-reviewer")
    assert permissions.own_government(reviewer) == counties[1]
    assert not permissions.supervises(reviewer)
    staff = User.objects.get(username="bench-g003-staff-000")
    assert staff.units.get().government == counties[2]
    supervisor = User.objects.get(username="bench-province-reviewer")
    assert permissions.own_government(supervisor) == province
    assert permissions.supervises(supervisor)
    assert User.objects.filter(username="bench-province-leader").exists()
    # Re-running with the same arguments adds nothing.
    call_command("seed_scale", items=60, years=2, units=3, governments=3, verbosity=0)
    assert Item.objects.count() == 60 and Government.objects.count() == 4


def test_a_county_seeded_alone_is_the_same_ledger_as_within_the_province():
    def county_one():
        return list(
            Item.objects.filter(report__government__name="合成县001人民政府")
            .order_by("year", "order")
            .values_list("title", "status", "due_on", "lead_unit__name")
        )

    call_command("seed_scale", items=30, years=2, units=3, governments=3, verbosity=0)
    within = county_one()
    Item.objects.all().delete()
    from reports.models import AnnualReport
    from tracker.models import Affiliation, Government, Membership, Unit

    AnnualReport.objects.update(previous=None)
    AnnualReport.objects.all().delete()
    Membership.objects.all().delete()
    Affiliation.objects.all().delete()
    Unit.objects.all().delete()
    Government.objects.filter(parent__isnull=False).delete()
    call_command("seed_scale", items=10, years=2, units=3, governments=1, verbosity=0)
    assert county_one() == within and len(within) == 10
