"""Benchmark the 任务分解表 import: read a 1,000-row sheet, and import it into SQLite.

Run: ``DJANGO_DEBUG=1 .venv/bin/python bench/tasks_bench.py [--json]``.
Uses a throw-away SQLite database in a temporary folder (the demo's units to match against);
prints one line per figure. Targets (issue 14): 1,000 rows read ≤ 0.5 s, imported with the
database writes ≤ 3 s. Also reads a 50,000-row sheet, which is refused at its 5,001st row of
data: the time to that refusal.
"""

import io
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
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from reports.demo import UNITS, load_demo  # noqa: E402
from reports.services import unit_directory  # noqa: E402
from reports.tasksheet_services import task_sheet_import  # noqa: E402
from reports.tasksheets import TaskSheetError, read_task_sheet  # noqa: E402

HEADER = ["序号", "工作任务", "牵头单位", "配合单位", "责任人", "完成时限", "备注"]
DEADLINES = ["2021年6月30日", "6月底前", "三季度末", "年底前", "长期坚持", "2021.9", "上半年", "11月30日前"]
SECTIONS = [
    "一、健全政府机构职能体系",
    "二、健全依法行政制度体系",
    "三、健全行政执法工作体系",
    "四、健全行政权力制约和监督体系",
]


def make_sheet(rows: int) -> bytes:
    """A sheet of ``rows`` tasks as a county writes them: a title, sections merged across the
    table, two or three units per row (one cell naming several), a responsible person with
    post and phone, deadlines in several forms."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("任务分解表")
    sheet.append(["2021年法治政府建设任务分解表（测试数据）"])
    sheet.merged_cells.add("A1:G1")
    sheet.append(HEADER)
    names = [unit[0] for unit in UNITS]
    line = 2
    per_section = max(1, rows // len(SECTIONS))
    for n in range(rows):
        if n % per_section == 0 and n // per_section < len(SECTIONS):
            line += 1
            sheet.append([SECTIONS[n // per_section]])
            sheet.merged_cells.add(f"A{line}:G{line}")
        line += 1
        sheet.append(
            [
                n + 1,
                f"第{n + 1}项任务：完善制度，加强监督检查，推进依法行政，确保各项措施落实到位。",
                names[n % len(names)],
                "、".join(names[(n + k) % len(names)] for k in (3, 7)),
                f"张{n % 97}（副局长）138{n:08d}",
                DEADLINES[n % len(DEADLINES)],
                "",
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def timed(fn, repeat):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), max(samples)


class Rollback(Exception):
    pass


def import_and_roll_back(data):
    try:
        with transaction.atomic():
            result = task_sheet_import(data=data, filename="bench.xlsx", year=2021)
            assert result.created == 1000, result.created
            raise Rollback
    except Rollback:
        pass


def main():
    call_command("migrate", verbosity=0)
    load_demo()
    directory, _names = unit_directory()
    sheet = make_sheet(1000)
    big = make_sheet(50_000)

    def read():
        parsed = read_task_sheet(sheet, year=2021, directory=directory)
        assert len(parsed.rows) == 1000

    def refuse():
        try:
            read_task_sheet(big, year=2021, directory=directory)
        except TaskSheetError:
            return
        raise AssertionError("a 50,000-row sheet was read")

    read_median, read_max = timed(read, 10)
    import_median, import_max = timed(lambda: import_and_roll_back(sheet), 5)
    refuse_median, _ = timed(refuse, 3)
    if "--json" in sys.argv:
        print(
            json.dumps(
                {
                    "read_1000_s": round(read_median, 3),
                    "import_1000_s": round(import_median, 3),
                    "import_1000_max_s": round(import_max, 3),
                    "refuse_50000_s": round(refuse_median, 3),
                }
            )
        )
        return
    print(
        f"read a 1,000-row sheet ({len(sheet) // 1024} KB): median {read_median:.3f} s, max {read_max:.3f} s (target ≤ 0.5 s)"
    )
    print(
        f"import it into SQLite (1,000 tasks, their units and history): median {import_median:.3f} s, "
        f"max {import_max:.3f} s (target ≤ 3 s)"
    )
    print(f"refuse a 50,000-row sheet ({len(big) // 1024} KB) at its row limit: {refuse_median:.3f} s")


if __name__ == "__main__":
    main()
