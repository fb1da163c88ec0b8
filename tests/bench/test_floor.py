"""The raw-SQL floor of the item list: served with the benchmark settings only, to reviewers."""

import pytest
from django.core.management import CommandError, call_command

from tests.factories import AnnualReportFactory, ItemFactory

pytestmark = pytest.mark.django_db


def test_the_product_serves_no_floor_and_knows_no_seed_scale(reviewer_client, settings):
    assert "bench.ledger_bench" not in settings.INSTALLED_APPS
    assert reviewer_client.get("/bench/floor/items/").status_code == 404
    with pytest.raises(CommandError, match="Unknown command"):
        call_command("seed_scale", items=1)


@pytest.mark.usefixtures("bench_app")
def test_the_floor_shows_a_years_items_to_a_reviewer_and_nothing_to_staff(reviewer_client, staff_client):
    item = ItemFactory(report=AnnualReportFactory(year=2020), title="基准测试事项")
    ItemFactory(report=AnnualReportFactory(year=2019), title="上一年度事项")

    assert staff_client.get("/bench/floor/items/", {"year": 2020}).status_code == 403
    response = reviewer_client.get("/bench/floor/items/", {"year": 2020})
    assert response.status_code == 200
    content = response.content.decode()
    assert item.title in content
    assert "上一年度事项" not in content
    assert reviewer_client.get("/bench/floor/items/", {"year": "twenty"}).status_code == 400


def test_manage_py_runs_seed_scale_with_the_bench_settings(tmp_path):
    """`python manage.py seed_scale --items N` is a documented command (DESIGN.md): manage.py
    hands benchmark commands the bench settings, so it works while the product lacks it."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "DJANGO_DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'seed.sqlite3'}"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, str(root / "manage.py"), *args], env=env, cwd=root, capture_output=True, text=True
    )
    assert run("migrate", "--verbosity", "0").returncode == 0
    seeded = run("seed_scale", "--items", "6", "--years", "1", "--units", "2")
    assert seeded.returncode == 0, seeded.stderr
    counted = run("shell", "-c", "from tracker.models import Item; print(Item.objects.count())")
    assert counted.stdout.strip().splitlines()[-1] == "6"
