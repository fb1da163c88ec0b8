"""Benchmark the report importer: parse the 2020 report, import it into SQLite, parse 1 MB.

Run: ``make bench-import`` (or ``DJANGO_DEBUG=1 .venv/bin/python bench/import_bench.py [--json]``).
Uses a throw-away SQLite database in a temporary folder; prints one line per figure.
Targets (issue: import a year's report): parse ≤ 20 ms, import ≤ 300 ms, 1 MB ≤ 1 s.
"""

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ["DJANGO_VAR_DIR"] = tempfile.mkdtemp(prefix="ledger-bench-")
os.environ.pop("DATABASE_URL", None)
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

from reports.demo import load_demo  # noqa: E402
from reports.importing import parse_report  # noqa: E402
from reports.models import AnnualReport  # noqa: E402
from reports.services import report_import  # noqa: E402

SEED = (ROOT / "reports" / "samples" / "xinxiang-2020.txt").read_text(encoding="utf-8")


def timed(fn, repeat):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000, max(samples) * 1000


class Rollback(Exception):
    pass


def import_and_roll_back():
    try:
        with transaction.atomic():
            # The report of 2020 writes 2020's record and 2021's work: both go first (the
            # later year points at the earlier one).
            for year in (2021, 2020):
                AnnualReport.objects.filter(year=year).delete()
            report_import(text=SEED)
            raise Rollback
    except Rollback:
        pass


def main():
    call_command("migrate", verbosity=0)
    load_demo()  # units to match against, and the 2020 report

    parse_median, parse_max = timed(lambda: parse_report(SEED), 50)
    import_median, import_max = timed(import_and_roll_back, 20)
    big = (SEED + "\n") * (1_000_000 // len(SEED.encode("utf-8")) + 1)
    size_mb = len(big.encode("utf-8")) / 1_000_000
    big_median, _ = timed(lambda: parse_report(big), 3)
    double = big + "\n" + big
    double_median, _ = timed(lambda: parse_report(double), 3)

    if "--json" in sys.argv:
        figures = {
            "parse_ms": round(parse_median, 1),
            "import_ms": round(import_median, 1),
            "import_max_ms": round(import_max, 1),
            "parse_1mb_s": round(big_median / 1000 / size_mb, 2),
        }
        print(json.dumps(figures))
        return
    print(
        f"parse 2020 report ({len(SEED)} chars): median {parse_median:.1f} ms, max {parse_max:.1f} ms (target ≤ 20 ms)"
    )
    print(
        f"import 2020 report into SQLite: median {import_median:.1f} ms, max {import_max:.1f} ms (target ≤ 300 ms)"
    )
    print(f"parse {size_mb:.2f} MB of report text: {big_median / 1000:.2f} s (target ≤ 1 s)")
    print(
        f"parse {2 * size_mb:.2f} MB: {double_median / 1000:.2f} s (ratio {double_median / big_median:.2f}; ~2 is linear)"
    )


if __name__ == "__main__":
    main()
