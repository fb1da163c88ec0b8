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
  items, run three times: the first writes the day's messages, the second finds them written,
  the third is the next day's (a deadline is told again weekly, so little is new).

Targets (issue 18): the inbox page p95 and the unread count add <= 5 ms to a page; the daily
run over 200k items <= 60 s.
"""

import argparse
import contextlib
import os
import statistics
import sys
import time
from datetime import timedelta
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


def seed_heads_and_followers() -> None:
    """Give escalation someone to tell: one head per unit (its first member) and a leader who
    follows every area."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db.models import Min

    from tracker import roles
    from tracker.models import Area, Membership

    firsts = Membership.objects.values("unit").annotate(first=Min("pk")).values_list("first", flat=True)
    Membership.objects.filter(pk__in=list(firsts)).update(is_head=True)
    leader, _created = get_user_model().objects.get_or_create(username="bench-leader")
    leader.groups.add(Group.objects.get(name=roles.LEADER))
    for area in Area.objects.all():
        area.followers.add(leader)


def quiet_colleague(person):
    """A staff member of ``person``'s first unit with a copy of ``person``'s newest page of
    messages and nothing else (made once)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from tracker import roles
    from tracker.models import Membership, Message

    quiet, created = get_user_model().objects.get_or_create(username="bench-quiet")
    if created:
        quiet.groups.add(Group.objects.get(name=roles.STAFF))
        Membership.objects.create(user=quiet, unit=person.memberships.first().unit)
    quiet.inbox.all().delete()
    newest = person.inbox.order_by("-created_at", "-pk")[:25]
    Message.objects.bulk_create(
        Message(
            recipient=quiet, kind=m.kind, item_id=m.item_id, text=m.text, data=m.data, created_at=m.created_at
        )
        for m in newest
    )
    return quiet


def forget_daily_runs() -> None:
    """Remove what earlier daily runs wrote (escalations, their history entries and messages,
    the due-soon and overdue messages), so that the first run below is a first run."""
    from django.db import connection

    with connection.cursor() as cursor:  # plain deletes: no row of these is referenced
        cursor.execute("DELETE FROM tracker_escalation")
        cursor.execute("DELETE FROM tracker_progressupdate WHERE kind = 'escalated'")
        cursor.execute("DELETE FROM tracker_message WHERE kind IN ('escalated', 'due_soon', 'overdue')")
        for table in ("tracker_escalation", "tracker_progressupdate", "tracker_message"):
            cursor.execute(f"ANALYZE {table}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--skip-pages", action="store_true", help="measure the daily run only")
    parser.add_argument(
        "--keep-runs",
        action="store_true",
        help="keep the escalations and daily messages of earlier runs (by default they are removed, "
        "so that run 1 is a first run over the backlog)",
    )
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
        Message.objects.filter(recipient__username__startswith="bench-staff-")
        .values("recipient")
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
    # The same page for a colleague of the busiest person (same unit, same items) with the same
    # 25 newest messages and no others: the difference is what the volume adds to the page.
    quiet = quiet_colleague(person)
    quiet_cookie = session_cookie(quiet)
    with gunicorn(args.port, args.database_url) if not args.skip_pages else contextlib.nullcontext():
        for label, paths in (
            []
            if args.skip_pages
            else [
                ("/inbox/", ["/inbox/"]),
                ("/inbox/?unread=1", ["/inbox/?unread=1"]),
                ("/inbox/ page 2-5", [f"/inbox/?page={n}" for n in range(2, 6)]),
            ]
        ):
            if label == "/inbox/":
                for who, its_cookie in (("25 messages", quiet_cookie), (person.username, cookie)):
                    measure(args.port, its_cookie, paths, 1, 10)  # warm
                    latencies, errors, wall = measure(args.port, its_cookie, paths, 1, args.requests)
                    print(
                        f"/inbox/ ({who:<16}) 1 client: p50 {statistics.median(latencies):6.1f} ms  "
                        f"p95 {pct(latencies, 0.95):6.1f} ms"
                    )
            for clients in (1, args.clients):
                measure(args.port, cookie, paths, clients, 10)  # warm
                latencies, errors, wall = measure(args.port, cookie, paths, clients, args.requests)
                if errors:
                    print(f"  errors on {label}: {errors[:3]}")
                print(
                    f"{label:<22} {clients} client(s): p50 {statistics.median(latencies):6.1f} ms  "
                    f"p95 {pct(latencies, 0.95):6.1f} ms  {len(latencies) / wall:6.1f} req/s"
                )

    seed_heads_and_followers()
    if not args.keep_runs:
        forget_daily_runs()
    today = timezone.localdate()
    try:
        from tracker.escalation import escalate
    except ImportError:
        escalate = None
    # The first run writes the day's messages and fires the backlog of escalations; the second,
    # the same day, finds them written; the third is the next day's (a deadline is told again
    # only weekly, so it writes only what changed).
    for run, day in ((1, today), (2, today), (3, today + timedelta(days=1))):
        started = time.perf_counter()
        written = reminders.write_daily_messages(on=day, days=7)
        daily = time.perf_counter() - started
        line = f"daily run {run} ({day}): {written} due/overdue messages in {daily:.1f} s"
        if escalate is not None:
            started, cpu = time.perf_counter(), time.process_time()
            fired = escalate(on=day)
            line += (
                f"; escalations {fired} in {time.perf_counter() - started:.1f} s"
                f" ({time.process_time() - cpu:.1f} s of this process's CPU)"
            )
        print(line, flush=True)


if __name__ == "__main__":
    main()
