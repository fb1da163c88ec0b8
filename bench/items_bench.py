"""Benchmark the item list and item page under concurrent clients, against gunicorn.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ledger_bench \\
        .venv/bin/python bench/items_bench.py --items 200000 --clients 8

Builds (or reuses) a data set with ``seed_scale``, starts gunicorn on 127.0.0.1 (2 workers),
logs in as a reviewer and as unit staff by creating sessions, then measures each page with
1 and N concurrent clients and prints p50 / p95 / requests per second. Only loopback traffic;
every loop is bounded by a request count and stops by itself.
Targets, 200k items on PostgreSQL, 8 clients: list p95 ≤ 150 ms, item page p95 ≤ 100 ms
(unit staff keep their items current); dashboard and scoreboard p95 ≤ 300 ms (the
rule-of-law office steers). ``--only dashboard,scoreboard`` runs a subset.
"""

import argparse
import os
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ensure_database, gunicorn, measure, pct, session_cookie, setup_django


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--only", default="", help="comma-separated words: run only the pages whose name holds one"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ledger_bench"),
    )
    args = parser.parse_args()

    ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from tracker.models import Item

    call_command("migrate", verbosity=0)
    have = Item.objects.count()
    if have < args.items:
        print(f"seeding {args.items - have} items (have {have}) ...", flush=True)
        call_command("seed_scale", items=args.items, verbosity=1)
    call_command("collectstatic", verbosity=0, interactive=False)

    User = get_user_model()
    reviewer = User.objects.get(username="bench-reviewer")
    staff = User.objects.get(username="bench-staff-001")
    reviewer_cookie, staff_cookie = session_cookie(reviewer), session_cookie(staff)
    rng = random.Random(1)
    max_id = Item.objects.order_by("-pk").values_list("pk", flat=True).first()
    min_id = Item.objects.order_by("pk").values_list("pk", flat=True).first()
    ids = [rng.randint(min_id, max_id) for _ in range(500)]
    staff_ids = list(
        Item.objects.filter(lead_unit__memberships__user=staff).values_list("pk", flat=True)[:500]
    )
    total = Item.objects.count()
    deep = max(1, min(total // 25, 2000))

    with gunicorn(args.port, args.database_url):
        scenarios = [
            ("item list, first page (reviewer)", reviewer_cookie, ["/items/"]),
            (
                "item list, filtered (reviewer)",
                reviewer_cookie,
                ["/items/?q=%E6%89%A7%E6%B3%95&status=in_progress"],
            ),
            (f"item list, deep page {deep} (reviewer)", reviewer_cookie, [f"/items/?page={deep}"]),
            ("item list, own units (staff)", staff_cookie, ["/items/"]),
            ("item page (reviewer)", reviewer_cookie, [f"/items/{pk}/" for pk in ids]),
            ("item page (staff)", staff_cookie, [f"/items/{pk}/" for pk in staff_ids] or ["/items/"]),
            ("dashboard (reviewer home)", reviewer_cookie, ["/"]),
            ("scoreboard /units/ (reviewer)", reviewer_cookie, ["/units/"]),
            ("scoreboard /units/ (staff)", staff_cookie, ["/units/"]),
            ("review queue (reviewer)", reviewer_cookie, ["/review/"]),
        ]
        if args.only:
            scenarios = [s for s in scenarios if any(word in s[0] for word in args.only.split(","))]
        print(
            f"\n{total} items, gunicorn 2 workers, {os.cpu_count()} cores; {args.requests} requests per row\n"
        )
        print(f"{'page':<40} {'clients':>7} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>7} {'errors':>6}")
        for name, cookie, paths in scenarios:
            measure(args.port, cookie, paths, 2, 20)  # warm up
            for clients in (1, args.clients):
                latencies, errors, wall = measure(
                    args.port, cookie, paths, clients, args.requests if clients > 1 else args.requests // 4
                )
                print(
                    f"{name:<40} {clients:>7} {statistics.median(latencies):>8.1f} {pct(latencies, 0.95):>8.1f} "
                    f"{len(latencies) / wall:>7.1f} {len(errors):>6}",
                    flush=True,
                )
                if errors:
                    print("   first errors:", errors[:3])


if __name__ == "__main__":
    main()
