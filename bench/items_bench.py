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
import http.client
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret-key-8f3a9c1e7b5d2f4a6c8e0b1d3f5a7c9e-not-for-production"
ENV = {
    "DJANGO_SECRET_KEY": SECRET,
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_LOG_LEVEL": "WARNING",
}


def setup_django(database_url):
    os.environ.update(ENV)
    os.environ.pop("DJANGO_DEBUG", None)
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def ensure_database(database_url):
    if not database_url.startswith("postgres"):
        return
    import psycopg

    base, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def session_cookie(user):
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"sessionid={session.session_key}"


def measure(port, cookie, paths, clients, requests):
    """Fire ``requests`` GETs over ``clients`` threads (keep-alive). Returns latencies in ms."""
    latencies, errors, lock = [], [], threading.Lock()
    counter = iter(range(requests))

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            path = paths[n % len(paths)]
            start = time.perf_counter()
            conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
            response = conn.getresponse()
            response.read()
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                latencies.append(elapsed)
                if response.status != 200:
                    errors.append((path, response.status))
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return latencies, errors, wall


def pct(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


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

    # A server left over from an earlier run would answer in place of this one.
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", args.port)) == 0:
            sys.exit(
                f"port {args.port} is in use (a server left from an earlier run?); stop it or pass --port"
            )
    # Stopped from outside (SIGTERM), still stop gunicorn: the finally below runs.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))
    env = {**os.environ, **ENV, "DATABASE_URL": args.database_url}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", args.port, timeout=1).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.1)
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
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
