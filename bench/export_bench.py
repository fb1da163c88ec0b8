"""Benchmark the annual summary exports on a year of N items (PostgreSQL by default).

    .venv/bin/python bench/export_bench.py [--items 20000] [--database-url postgres://...]

Seeds one year with ``seed_scale`` into its own database (reused on later runs), then
prints: XLSX ledger time and peak memory growth, CSV time to first byte and in all (through
the view, streamed), DOCX draft time. Targets (issue: years that link and a summary that
exports), 20,000 items: XLSX ≤ 5 s with peak RSS growth ≤ 100 MB; CSV first byte ≤ 200 ms;
DOCX ≤ 5 s.
"""

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ledger_bench_export"),
    )
    args = parser.parse_args()
    os.environ.update(
        {
            "DATABASE_URL": args.database_url,
            "DJANGO_SETTINGS_MODULE": "bench.settings",  # seed_scale
            "DJANGO_SECRET_KEY": "bench-secret-key-export-not-for-production-0123456789abcdef",
            "DJANGO_ALLOWED_HOSTS": "testserver",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_LOG_LEVEL": "WARNING",
        }
    )
    os.environ.pop("DJANGO_DEBUG", None)
    sys.path.insert(0, str(ROOT))
    if args.database_url.startswith("postgres"):
        import psycopg

        base, name = args.database_url.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.utils import translation

    from reports.exporting.docx import write_report_docx
    from reports.exporting.ledger import write_ledger_xlsx
    from reports.models import AnnualReport
    from reports.selectors import annual_summary, report_draft
    from tracker.models import Item

    call_command("migrate", verbosity=0)
    if Item.objects.count() < args.items:
        print(f"seeding {args.items} items in one year ...", flush=True)
        call_command("seed_scale", items=args.items, years=1, verbosity=0)
    report = AnnualReport.objects.order_by("-year").first()
    count = Item.objects.filter(report=report).count()
    print(f"{count} items in {report.year}; {os.cpu_count()} cores\n")
    translation.activate("zh-hans")

    with tempfile.TemporaryDirectory() as folder:
        base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        write_ledger_xlsx(annual_summary(report=report), Path(folder) / "ledger.xlsx")
        xlsx_s = time.perf_counter() - start
        growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base_rss) / 1024
        size = (Path(folder) / "ledger.xlsx").stat().st_size / 1e6
        print(
            f"XLSX ledger: {xlsx_s:.2f} s, peak RSS growth {growth:.0f} MB, {size:.1f} MB file (≤ 5 s, ≤ 100 MB)"
        )

        client = Client()
        client.force_login(get_user_model().objects.get(username="bench-reviewer"))
        start = time.perf_counter()
        response = client.get(f"/reports/{report.year}/export/csv/")
        chunks = iter(response.streaming_content)
        next(chunks)
        first = time.perf_counter() - start
        total = sum(len(chunk) for chunk in chunks)
        whole = time.perf_counter() - start
        print(
            f"CSV: first byte {first * 1000:.0f} ms, all {whole:.2f} s, {total / 1e6:.1f} MB (first byte ≤ 200 ms)"
        )

        start = time.perf_counter()
        write_report_docx(report_draft(report=report), Path(folder) / "draft.docx")
        docx_s = time.perf_counter() - start
        size = (Path(folder) / "draft.docx").stat().st_size / 1e6
        print(f"DOCX draft: {docx_s:.2f} s, {size:.1f} MB file (≤ 5 s)")


if __name__ == "__main__":
    main()
