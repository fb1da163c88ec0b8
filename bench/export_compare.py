#!/usr/bin/env python3
"""One export, measured alone in a fresh process: the item list's CSV or XLSX export of one
year (``/items/?year=Y&_export=…``, through the whole request stack, as a reviewer), or a
bare baseline writing the same rows (one SQL query; csv.writer or openpyxl write-only).

    .venv/bin/python bench/export_compare.py --database-url URL --year 2025 --mode ours-xlsx

Prints one JSON line: seconds, peak RSS growth in MB (resident memory sampled every 10 ms,
highest seen minus the start),
first byte in ms (the streamed CSV), bytes, rows. bench/run calls it once per mode, so each
figure starts from a fresh process and peak memory is the export's own.
"""

import argparse
import csv
import io
import json
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import setup_django

# The same columns as the item list's export (tracker/tables.py), in one query.
BARE_SQL = """
SELECT i.id, i.year, a.name, i.kind, i.title, u.name,
       (SELECT string_agg(c.name, '、' ORDER BY c.id) FROM tracker_item_cooperating_units x
          JOIN tracker_unit c ON c.id = x.unit_id WHERE x.item_id = i.id),
       COALESCE(NULLIF(TRIM(p.first_name || ' ' || p.last_name), ''), p.username),
       i.due_on, i.status, i.due_on < CURRENT_DATE AND i.status <> 'done', i.updated_at, i.text
FROM tracker_item i
LEFT JOIN tracker_area a ON a.id = i.area_id
LEFT JOIN tracker_unit u ON u.id = i.lead_unit_id
LEFT JOIN auth_user p ON p.id = i.assignee_id
WHERE i.year = %s
ORDER BY i."order", i.id
"""
HEADERS = [
    "ID",
    "年度",
    "领域",
    "类型",
    "标题",
    "牵头单位",
    "配合单位",
    "责任人",
    "完成时限",
    "状态",
    "逾期",
    "最近更新",
    "原文",
]


def rss_mb() -> float:
    """The process's resident memory now (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


class PeakWatch:
    """Samples the resident memory every 10 ms until stopped; ``peak`` is the highest seen."""

    def __init__(self):
        self.peak = rss_mb()
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            self.peak = max(self.peak, rss_mb())
            time.sleep(0.01)

    def stop(self) -> float:
        self.running = False
        self.thread.join()
        return max(self.peak, rss_mb())


def bare_rows(year):
    from django.db import connection

    sql = (
        BARE_SQL
        if connection.vendor == "postgresql"
        else BARE_SQL.replace("string_agg(c.name, '、' ORDER BY c.id)", "group_concat(c.name, '、')").replace(
            "CURRENT_DATE", "date('now')"
        )
    )
    from django.db import transaction

    with transaction.atomic():
        connection.ensure_connection()
        # A server-side cursor on PostgreSQL, as the export's iterator uses: rows in chunks.
        if connection.vendor == "postgresql":
            cursor = connection.connection.cursor(name="bare_export")
        else:
            cursor = connection.connection.cursor()
        try:
            cursor.execute(sql.replace("%s", "?") if connection.vendor == "sqlite" else sql, [year])
            while rows := cursor.fetchmany(2000):
                yield from rows
        finally:
            cursor.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--year", type=int, required=True)
    parser.add_argument("--mode", choices=["ours-csv", "ours-xlsx", "bare-csv", "bare-xlsx"], required=True)
    args = parser.parse_args()
    setup_django(args.database_url)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    client = None
    if args.mode.startswith("ours"):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(get_user_model().objects.get(username="bench-reviewer"))
        client.get("/healthz")
    connection.ensure_connection()
    base = rss_mb()
    watch = PeakWatch()
    first_byte = None
    rows = 0
    start = time.perf_counter()
    if args.mode == "ours-csv":
        response = client.get("/items/", {"year": args.year, "_export": "csv"})
        size = 0
        for chunk in response.streaming_content:
            if first_byte is None:
                first_byte = (time.perf_counter() - start) * 1000
            size += len(chunk)
            rows += chunk.count(b"\n")
    elif args.mode == "ours-xlsx":
        response = client.get("/items/", {"year": args.year, "_export": "xlsx"})
        size = sum(len(chunk) for chunk in response.streaming_content)
    elif args.mode == "bare-csv":
        out = io.StringIO()
        writer = csv.writer(out)
        out.write("\ufeff")
        writer.writerow(HEADERS)
        size = 0
        for row in bare_rows(args.year):
            writer.writerow(row)
            rows += 1
            if first_byte is None:
                first_byte = (time.perf_counter() - start) * 1000
            if out.tell() > 1 << 16:  # hand the text on, as a stream would
                size += len(out.getvalue().encode())
                out.seek(0)
                out.truncate()
        size += len(out.getvalue().encode())
    else:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title="items")
        sheet.append(HEADERS)
        for row in bare_rows(args.year):
            row = list(row)
            # As the export writes them: Excel takes no time zones.
            row[8] = row[8].isoformat() if row[8] else ""
            row[11] = row[11].strftime("%Y-%m-%d %H:%M") if row[11] else ""
            sheet.append(row)
            rows += 1
        with tempfile.TemporaryFile() as output:
            workbook.save(output)
            size = output.tell()
    seconds = time.perf_counter() - start
    peak = watch.stop()
    print(
        json.dumps(
            {
                "mode": args.mode,
                "seconds": round(seconds, 2),
                "rss_growth_mb": round(peak - base, 1),
                "first_byte_ms": None if first_byte is None else round(first_byte),
                "bytes": size,
                "rows": rows,
            }
        )
    )


if __name__ == "__main__":
    main()
