"""Benchmark the grouping of shortfalls by similar wording (the supervisor's recurring
shortfalls, ``reports.rollups.recurring_shortfalls``): 1,000 shortfalls of 100 counties.

    .venv/bin/python bench/rollup_bench.py [--shortfalls 1000] [--seed 1]

No database: the shortfalls are made here, as counties word the same problems differently
(numbering, filler words, synonyms, a clause of their own), and grouped in memory exactly as
the page groups them (``group_similar`` over ``normalize_shortfall``). Prints the time (best
of five runs), the number of groups and the largest; ``--distinct``, the worst case, 1,000
shortfalls with nothing alike (a group each: every one compared with every leader). Target:
well under a second for 1,000.
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBLEMS = [
    "行政执法人员素质有待提高",
    "规范性文件备案审查不够及时",
    "重大行政决策程序不够规范",
    "行政复议应诉能力有待提升",
    "政务公开不够全面",
    "依法行政意识有待增强",
    "行政执法监督力度不够",
    "基层法治建设力量薄弱",
    "法治宣传教育形式单一",
    "合法性审查机制不健全",
    "行政调解工作开展不平衡",
    "法律顾问作用发挥不充分",
    "执法信息化建设滞后",
    "包容审慎监管落实不到位",
    "行政执法三项制度落实不够到位",
    "乡镇综合执法能力不足",
    "领导干部述法制度落实不够",
    "证明事项清理不够彻底",
    "涉企行政检查过多过频",
    "公共法律服务体系不够完善",
]
PREFIXES = ["", "一是", "二是", "（一）", "1.", "三、"]
FILLERS = [
    ("有待", "有待进一步"),
    ("不够", "还不够"),
    ("不足", "仍然不足"),
    ("提高", "提升"),
    ("人员", "队伍"),
]
CLAUSES = ["", "，个别单位", "，部分乡镇", "，与新形势要求还有差距", "，需持续加强"]


def shortfalls(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        text = rng.choice(PROBLEMS)
        for word, other in FILLERS:
            if word in text and rng.random() < 0.5:
                text = text.replace(word, other, 1)
        texts.append(rng.choice(PREFIXES) + text + rng.choice(CLAUSES) + rng.choice(["", "。", "；"]))
    return texts


def distinct(n: int, seed: int) -> list[str]:
    """The worst case: ``n`` shortfalls that share little (each leads a group of its own), drawn
    from the problems' own characters."""
    rng = random.Random(seed)
    alphabet = sorted(set("".join(PROBLEMS)))
    return ["".join(rng.choices(alphabet, k=rng.randint(10, 30))) for _ in range(n)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shortfalls", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--distinct", action="store_true", help="the worst case: nothing alike")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    import django

    django.setup()
    from reports.rollups import normalize_shortfall
    from utilities.similar import group_similar, group_similar_slowly

    texts = (distinct if args.distinct else shortfalls)(args.shortfalls, args.seed)
    times = []
    for _ in range(5):
        started = time.perf_counter()
        groups = group_similar(texts, normalize=normalize_shortfall)
        times.append(time.perf_counter() - started)
    started = time.perf_counter()
    slowly = group_similar_slowly(texts, normalize=normalize_shortfall)
    every_leader = time.perf_counter() - started
    assert slowly == groups, "the prefix filter changed the groups"
    sizes = sorted((len(group) for group in groups), reverse=True)
    print(
        f"{len(texts)} shortfalls "
        f"({'nothing alike' if args.distinct else f'{len(PROBLEMS)} problems worded many ways'}): "
        f"grouped in {min(times) * 1000:.1f} ms (best of 5, worst {max(times) * 1000:.1f} ms); "
        f"{len(groups)} groups, the largest {sizes[:5]}; "
        f"comparing every leader instead: {every_leader * 1000:.1f} ms, the same groups"
    )


if __name__ == "__main__":
    main()
