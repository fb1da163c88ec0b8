"""Benchmark the report importer: parse the 2020 report, import it into SQLite, parse 1 MB, and
parse the worst inputs known: 100 KB each of what reads slowest (see ``WORST_INPUTS``).

Run: ``make bench-import`` (or ``DJANGO_DEBUG=1 .venv/bin/python bench/import_bench.py [--json]``).
Uses a throw-away SQLite database in a temporary folder; prints one line per figure.
Targets (issue: import a year's report): parse ≤ 20 ms, import ≤ 300 ms, 1 MB ≤ 1 s; any 100 KB
≤ 1 s (issue 15: linear time whatever the text).
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
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

from reports.demo import load_demo  # noqa: E402
from reports.importing import parse_report  # noqa: E402
from reports.models import AnnualReport  # noqa: E402
from reports.services import report_import  # noqa: E402

SEED = (ROOT / "reports" / "samples" / "xinxiang-2020.txt").read_text(encoding="utf-8")
WORST_SIZE = 100_000  # bytes of UTF-8
WORST_TITLE = "某县2021年度法治政府建设情况报告\n"


def repeated(chunk: str, before: str = "") -> str:
    """``before``, then ``chunk`` repeated to ``WORST_SIZE`` bytes, on one line unless it holds breaks."""
    return before + chunk * (WORST_SIZE // len(chunk.encode("utf-8")) + 1)


# The kinds of text the adversarial property test (tests/reports/test_importing.py) reads slowest,
# built the same way every run: one node every few characters, or one line of 100 KB.
WORST_INPUTS = {
    # The slowest the property test found (1,500 examples): a level-2 section every two characters.
    "numbering after punctuation ！⑴": lambda: repeated("！⑴"),
    "numbering marks run together （一）⑴": lambda: repeated("（一）⑴"),
    # Every (1) and ① after a sentence end gets its line back: a level-4 block each.
    "list numbers after sentence ends 。（1）。①": lambda: repeated("。（1）。①", WORST_TITLE),
    # 一是 … 十是 again and again in one paragraph: inline items, the problems split at each restart.
    "一是 to 十是 repeated in one paragraph": lambda: repeated(
        "".join(f"{n}是，" for n in "一二三四五六七八九十"), WORST_TITLE + "一、存在的问题及建议\n"
    ),
    # A portal toolbar line of 100 KB: words and no-break spaces, a stray mark at its end.
    "toolbar words with no-break spaces": lambda: (
        repeated("打印\u00a0关闭\u00a0返回\u00a0大\u00a0中\u00a0小\u00a0", WORST_TITLE)
        + "…\n一、依法行政\n做了3件事。"
    ),
    # The 2020 report's lines run together, again and again: one line of 100 KB.
    "the 2020 report on one line": lambda: repeated("".join(line.strip() for line in SEED.splitlines())),
    # 1,600 shortfalls and 1,600 measures naming words: past linking.MAX_PAIRS the words are not
    # looked for in every shortfall (each measure did that before issue 15: 6.3 s).
    "measures naming their shortfall": lambda: named_measures(),
}


def named_measures() -> str:
    head = WORST_TITLE + "一、存在的问题及整改措施\n（一）存在的问题\n"
    shortfalls, measures, size = [], [], len(head.encode("utf-8"))
    for n in range(WORST_SIZE):
        word = "".join(chr(0x4E00 + (n * 7 + k * 131) % 3000) for k in range(5))
        shortfalls.append(f"一是{word}。\n")
        measures.append(f"一是针对{word[::-1]}问题。\n")
        size += len(shortfalls[-1].encode("utf-8")) + len(measures[-1].encode("utf-8"))
        if size > WORST_SIZE:
            break
    return head + "".join(shortfalls) + "（二）整改措施\n" + "".join(measures)


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
    worst = {}
    for name, build in WORST_INPUTS.items():
        text = build()
        worst[name] = (len(text.encode("utf-8")) / 1000, timed(lambda text=text: parse_report(text), 5)[0])
    worst_name = max(worst, key=lambda name: worst[name][1])

    if "--json" in sys.argv:
        figures = {
            "parse_ms": round(parse_median, 1),
            "import_ms": round(import_median, 1),
            "import_max_ms": round(import_max, 1),
            "parse_1mb_s": round(big_median / 1000 / size_mb, 2),
            "worst_100kb_ms": round(worst[worst_name][1], 1),
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
    for name, (size_kb, median) in worst.items():
        print(f"worst input, {name} ({size_kb:.0f} KB): median {median:.0f} ms (target ≤ 1000 ms)")
    print(f"worst input overall: {worst_name}, {worst[worst_name][1]:.0f} ms")


if __name__ == "__main__":
    main()
