"""Benchmark the message centre at scale: the inbox page, the menu bar's unread count, and the
daily run (messages, escalations when present) over a year of many items.

    .venv/bin/python bench/inbox_bench.py --items 200000 --messages 1000000

Builds (or reuses) a data set with ``seed_scale`` and adds ``--messages`` messages spread
over the unit staff (one insert ... select on PostgreSQL), serves it with gunicorn on
127.0.0.1 (2 workers) and prints:

- the unread count as the menu bar asks it (``tracker.notices.unread_count``), in process:
  p50 / p95 over 300 calls for the person with the most messages: what the count adds to
  every page;
- ``/inbox/`` and ``/inbox/?unread=1`` for that person, with 1 and 8 clients: p50 / p95;
- the daily run (``write_daily_messages``, and ``escalate`` when the project has it) over all
  items, run twice: the first writes the day's messages, the second finds them written.

Targets (issue 18): the inbox page p95 and the unread count add <= 5 ms to a page; the daily
run over 200k items <= 60 s.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ensure_database, gunicorn, measure, pct, session_cookie, setup_django


def seed_messages(wanted: int) -> None:
    """``wanted`` messages in all, over the unit staff and the items, 10% unread."""
    from django.db import connection

    from tracker.models import Message

    have = Message.objects.count()
    if have >= wanted:
        return
    print(f"adding {wanted - have} messages (have {have}) ...", flush=True)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM tracker_item")
        low, high = cursor.fetchone()
        cursor.execute("SELECT array_agg(id ORDER BY id) FROM auth_user WHERE username LIKE 'bench-staff-%%'")
        (staff,) = cursor.fetchone()
        cursor.execute(
            """
            INSERT INTO tracker_message (recipient_id, kind, item_id, actor_id, text, data, "on",
                                         created_at, read_at)
            SELECT (%(staff)s::int[])[1 + (g %% array_length(%(staff)s::int[], 1))],
                   (ARRAY['submitted','approved','returned','instruction','chased'])[1 + g %% 5],
                   %(low)s + (g::bigint * 7919) %% (%(high)s - %(low)s + 1),
                   NULL, '', '{}'::jsonb, NULL,
                   now() - make_interval(secs => g),
                   CASE WHEN g %% 10 = 0 THEN NULL ELSE now() END
            FROM generate_series(%(start)s, %(stop)s) AS g
            WHERE EXISTS (SELECT 1 FROM tracker_item i WHERE i.id = %(low)s + (g::bigint * 7919) %% (%(high)s - %(low)s + 1))
            """,
            {"staff": staff, "low": low, "high": high, "start": have, "stop": wanted - 1},
        )
        cursor.execute("ANALYZE tracker_message")
    print(f"  {Message.objects.count()} messages, {time.perf_counter() - started:.1f} s", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ledger_bench_inbox"),
    )
    args = parser.parse_args()

    ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db.models import Count
    from django.utils import timezone

    from tracker import reminders
    from tracker.models import Item, Message
    from tracker.notices import unread_count

    call_command("migrate", verbosity=0)
    have = Item.objects.count()
    if have < args.items:
        print(f"seeding {args.items - have} items (have {have}) ...", flush=True)
        call_command("seed_scale", items=args.items, verbosity=1)
    seed_messages(args.messages)
    call_command("collectstatic", verbosity=0, interactive=False)

    busiest = (
        Message.objects.values("recipient")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("recipient", "n")
    ).first()
    person = get_user_model().objects.get(pk=busiest[0])
    unread = Message.objects.filter(recipient=person, read_at__isnull=True).count()
    print(
        f"{Item.objects.count()} items, {Message.objects.count()} messages; {person.username} has {busiest[1]}, {unread} unread"
    )

    timings = []
    for _ in range(300):
        started = time.perf_counter()
        unread_count(person)
        timings.append((time.perf_counter() - started) * 1000)
    print(
        f"unread count (menu bar), in process: p50 {statistics.median(timings):.2f} ms, p95 {pct(timings, 0.95):.2f} ms"
    )

    cookie = session_cookie(person)
    with gunicorn(args.port, args.database_url):
        for label, paths in [
            ("/inbox/", ["/inbox/"]),
            ("/inbox/?unread=1", ["/inbox/?unread=1"]),
            ("/inbox/ page 2-5", [f"/inbox/?page={n}" for n in range(2, 6)]),
        ]:
            for clients in (1, args.clients):
                measure(args.port, cookie, paths, clients, 10)  # warm
                latencies, errors, wall = measure(args.port, cookie, paths, clients, args.requests)
                if errors:
                    print(f"  errors on {label}: {errors[:3]}")
                print(
                    f"{label:<22} {clients} client(s): p50 {statistics.median(latencies):6.1f} ms  "
                    f"p95 {pct(latencies, 0.95):6.1f} ms  {len(latencies) / wall:6.1f} req/s"
                )

    today = timezone.localdate()
    try:
        from tracker.escalation import escalate
    except ImportError:
        escalate = None
    for run in (1, 2):
        started = time.perf_counter()
        written = reminders.write_daily_messages(on=today, days=7)
        daily = time.perf_counter() - started
        line = f"daily run {run}: {written} due/overdue messages in {daily:.1f} s"
        if escalate is not None:
            started = time.perf_counter()
            fired = escalate(on=today)
            line += f"; escalations {fired} in {time.perf_counter() - started:.1f} s"
        print(line, flush=True)


if __name__ == "__main__":
    main()
