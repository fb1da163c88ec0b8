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
