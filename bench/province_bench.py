#!/usr/bin/env python3
"""The province-scale benchmark (issue 19): a province above 100 counties, 10 years, 1M items.

    .venv/bin/python bench/province_bench.py [--governments 100] [--items 1000000] [--years 10]
        [--units 20] [--only rollup,county,export] [--json PATH]

(also ``bench/run --province``, which passes its other arguments on). PostgreSQL only. It
builds (or reuses: ``seed_scale`` adds only what is missing) and prints:

* the province roll-up dashboard as the province supervisor (``bench-province-reviewer``):
  cold and warm p50/p95 at 1 and 8 clients, against gunicorn (2 workers) on
  ``ledger_bench_province``; "skipped: no roll-up page yet" while the project has no such
  page (found by URL name containing "rollup", or ``--rollup-path``);
* one county's dashboard (``/`` as ``bench-g001-reviewer``) within the province against the
  same county alone (``ledger_bench_county``: ``--governments 1`` with the same per-county
  size and seed, hence the same ledger), cold and warm, and their ratio (target ≤ 1.2);
* a 100k-item year's XLSX export through the worker (``POST /reports/<year>/export/xlsx/job/``
  with ``REDIS_URL``, run by ``manage.py rqworker default --burst``) against the plain
  in-process export of the same year (``GET /reports/<year>/export/xlsx/`` in a fresh
  process): time ratio (target ≤ 1.3) and peak resident memory, at 50k and 100k items (constant
  memory: the same peak for both). One government, one year: ``ledger_bench_export_100000``
  (the database bench/run's exports use) and ``ledger_bench_export_50000``. Redis is started
  on a free port for it and stopped after. Skipped when the project has no jobs app yet.

Three kinds of cold: "cold new", the first request a newly started server (2 workers, both
booted: idle for half a second) answers (the worker's first page: URLconf and views imported, templates compiled, the figures
counted); "cold hz", the same with one worker whose first request was /healthz (the URLconf
and views loaded: the page's own cold cost); "cold chg", "after a change",
the first request after the ledger's version rose (one committed write anywhere), in a warm
server, which is what a supervisor meets during the day. The median of five of each is
printed (max in the JSON).

Each database is prepared in a subprocess of this script (``--phase``), so that one process
never holds two Django set-ups.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import ENV, SETTINGS, ensure_database, gunicorn, measure, pct, setup_django  # noqa: E402

BASE = "postgres://postgres@127.0.0.1:5432"
COUNTY = "bench-g001-reviewer"
SUPERVISOR = "bench-province-reviewer"
COLD_REPEATS = 5


# --- phases run in a subprocess, one database each ---------------------------------------


def phase_prepare(args) -> dict:
    """Migrate, seed what is missing, and say what the measuring needs (sessions, paths)."""
    ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from bench.common import session_cookie
    from reports.models import AnnualReport
    from tracker.models import Item

    call_command("migrate", verbosity=0)
    have = Item.objects.count()
    if have < args.items:
        print(
            f"seeding {args.database_url.rsplit('/', 1)[1]}: {args.items - have} items to add",
            file=sys.stderr,
        )
        options = {"items": args.items, "years": args.years, "units": args.units, "verbosity": 1}
        if args.governments:
            options["governments"] = args.governments
        started = time.monotonic()
        call_command("seed_scale", stdout=sys.stderr, **options)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"\nseeded in {time.monotonic() - started:.0f} s", file=sys.stderr)
    call_command("collectstatic", verbosity=0, interactive=False)
    User = get_user_model()
    out = {"items": Item.objects.count(), "cookies": {}}
    names = [COUNTY, SUPERVISOR] if args.governments else ["bench-reviewer"]
    for name in names:
        user = User.objects.filter(username=name).first()
        if user is not None:
            out["cookies"][name] = session_cookie(user)
    if args.governments:
        report = AnnualReport.objects.filter(government__parent__isnull=False).order_by("-year").first()
        out["year"] = report.year
        out["county_items"] = Item.objects.filter(report__government__name="合成县001人民政府").count()
        out["rollup_path"] = _rollup_path(args.rollup_path, report.year)
        out["shortfalls_path"] = _named_path("rollup_shortfalls", report.year) if out["rollup_path"] else ""
        # Every page measured answers 200 to its person, in process, before it is timed.
        client = Client()
        checks = {"county dashboard": (COUNTY, "/")}
        if out["rollup_path"]:
            checks["roll-up"] = (SUPERVISOR, out["rollup_path"])
        out["status"] = {}
        for label, (name, path) in checks.items():
            client.force_login(User.objects.get(username=name))
            out["status"][label] = client.get(path, HTTP_HOST="127.0.0.1").status_code
    else:
        from django.db.models import Count

        row = Item.objects.order_by().values("year").annotate(n=Count("*")).order_by("-n").first()
        out["year"], out["year_items"] = row["year"], row["n"]
    return out


def _rollup_path(wanted: str, year: int) -> str:
    """The roll-up dashboard's address: ``--rollup-path``, else the first URL whose name says
    "rollup" and takes no argument; "" when the project has none."""
    from django.urls import NoReverseMatch, get_resolver, reverse

    if wanted:
        path = wanted
    else:
        path = ""
        names = []

        def walk(resolver, namespace):
            for pattern in resolver.url_patterns:
                if hasattr(pattern, "url_patterns"):
                    inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                    walk(pattern, inner)
                elif pattern.name and "rollup" in pattern.name:
                    names.append(f"{namespace}{pattern.name}")

        walk(get_resolver(), "")
        for name in sorted(names, key=len):
            try:
                path = reverse(name)
                break
            except NoReverseMatch:
                continue
    if not path:
        return ""
    return f"{path}{'&' if '?' in path else '?'}year={year}" if "year=" not in path else path


def _named_path(name: str, year: int) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return f"{reverse(name)}?year={year}"
    except NoReverseMatch:
        return ""


def _rss(pid="self") -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MB; zeros when it is gone."""
    values = {"VmRSS": 0.0, "VmHWM": 0.0}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in values:
                values[key] = int(rest.split()[0]) / 1024
    except (FileNotFoundError, ProcessLookupError, ValueError):
        pass
    return values["VmRSS"], values["VmHWM"]


def phase_export_inprocess(args) -> dict:
    """The plain year export, in this fresh process: time, bytes, peak resident memory."""
    setup_django(args.database_url)
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username="bench-reviewer"))
    client.get("/healthz", HTTP_HOST="127.0.0.1")
    base, _ = _rss()
    started = time.perf_counter()
    response = client.get(f"/reports/{args.year}/export/xlsx/", HTTP_HOST="127.0.0.1")
    size = 0
    if getattr(response, "streaming", False):
        for chunk in response.streaming_content:
            size += len(chunk)
    else:
        size = len(response.content)
    seconds = time.perf_counter() - started
    _, peak = _rss()
    return {
        "status": response.status_code,
        "seconds": round(seconds, 2),
        "bytes": size,
        "rss_base_mb": round(base, 1),
        "peak_mb": round(peak, 1),
        "growth_mb": round(peak - base, 1),
    }


def phase_export_post(args) -> dict:
    """Start the year's XLSX export as a job (REDIS_URL set: it goes to the queue)."""
    setup_django(args.database_url)
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username="bench-reviewer"))
    response = client.post(f"/reports/{args.year}/export/xlsx/job/", HTTP_HOST="127.0.0.1")
    location = response.get("Location", "")
    return {"status": response.status_code, "job": location.strip("/").rsplit("/", 1)[-1]}


def phase_job_result(args) -> dict:
    """How the job ended: state, its own time (started → finished), the file's size."""
    setup_django(args.database_url)
    from django.core.files.storage import default_storage

    from jobs.models import Job

    job = Job.objects.get(pk=args.job)
    size = default_storage.size(job.result_name) if job.result_name else 0
    if job.result_name:
        default_storage.delete(job.result_name)  # a benchmark leaves no file behind
    seconds = (
        (job.finished_at - job.started_at).total_seconds() if job.finished_at and job.started_at else None
    )
    return {
        "state": job.state,
        "error": job.error[:300],
        "job_seconds": round(seconds, 2) if seconds is not None else None,
        "queued_seconds": round((job.started_at - job.created_at).total_seconds(), 2)
        if job.started_at
        else None,
        "bytes": size,
        "done": job.done,
        "total": job.total,
    }


PHASES = {
    "prepare": phase_prepare,
    "export-inprocess": phase_export_inprocess,
    "export-post": phase_export_post,
    "job-result": phase_job_result,
}


def run_phase(name: str, database_url: str, args, extra_env: dict | None = None, **options) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--phase", name, "--database-url", database_url]
    for key, value in options.items():
        command += [f"--{key.replace('_', '-')}", str(value)]
    env = {**os.environ, **ENV, **(extra_env or {})}
    env.pop("DJANGO_DEBUG", None)
    out = subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- the measuring ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bump_version(database_url: str) -> None:
    """What one committed write does to every worker's cached figures (``ledger_changed``)."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        if conn.execute("UPDATE tracker_ledgerstamp SET version = version + 1").rowcount == 0:
            conn.execute("INSERT INTO tracker_ledgerstamp (version) VALUES (1)")


def wait_booted(master: int, workers: int, timeout: float = 60) -> None:
    """Until gunicorn's ``workers`` have booted (each idle for half a second): the socket
    accepts before they have, and a first request would otherwise time their boot too."""
    deadline = time.monotonic() + timeout
    last, quiet_since = None, time.monotonic()
    while time.monotonic() < deadline:
        pids = sorted(children(master))
        cpu = []
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                cpu.append(int(fields[11]) + int(fields[12]))
            except OSError:
                cpu.append(-1)
        now = (pids, cpu)
        if now != last:
            last, quiet_since = now, time.monotonic()
        elif len(pids) == workers and time.monotonic() - quiet_since >= 0.5:
            return
        time.sleep(0.1)


def one_request(port: int, cookie: str, path: str) -> float:
    latencies, errors, _ = measure(port, cookie, [path], 1, 1)
    if errors:
        raise SystemExit(f"{path} answered {errors[0][1]}")
    return latencies[0]


def page_figures(database_url: str, cookie: str, path: str, args) -> dict:
    """Cold (fresh gunicorn; after a change) and warm p50/p95 at 1 and ``--clients`` clients."""
    fresh, started = [], []
    for _ in range(COLD_REPEATS):
        with gunicorn(args.port, database_url, probe=False) as server:
            wait_booted(server.pid, 2)
            fresh.append(one_request(args.port, cookie, path))
        # One worker, whose first request (/healthz) loaded the URLconf and the views: what
        # is left is the page's own cold cost (templates compiled, figures counted).
        with gunicorn(args.port, database_url, workers=1):
            measure(args.port, "", ["/healthz"], 1, 1)
            started.append(one_request(args.port, cookie, path))
    changed = []
    with gunicorn(args.port, database_url):
        measure(args.port, cookie, [path], 2, 10)  # both workers warm
        for _ in range(COLD_REPEATS):
            bump_version(database_url)
            changed.append(one_request(args.port, cookie, path))
            measure(args.port, cookie, [path], 2, 6)  # the other worker counts again too
        measure(args.port, cookie, [path], 2, 10)
        one, errors_one, _ = measure(args.port, cookie, [path], 1, max(20, args.requests // 4))
        many, errors_many, wall = measure(args.port, cookie, [path], args.clients, args.requests)
    if errors_one or errors_many:
        raise SystemExit(f"{path}: {(errors_one + errors_many)[:3]}")
    return {
        "cold_fresh_ms": round(statistics.median(fresh), 1),
        "cold_fresh_max_ms": round(max(fresh), 1),
        "cold_started_ms": round(statistics.median(started), 1),
        "cold_started_max_ms": round(max(started), 1),
        "cold_changed_ms": round(statistics.median(changed), 1),
        "cold_changed_max_ms": round(max(changed), 1),
        "p50_1": round(statistics.median(one), 1),
        "p95_1": round(pct(one, 0.95), 1),
        "p50_n": round(statistics.median(many), 1),
        "p95_n": round(pct(many, 0.95), 1),
        "rps_n": round(len(many) / wall, 1),
    }


def shortfalls_figures(database_url: str, cookie: str, path: str, args) -> dict:
    """The recurring shortfalls of the province's year (every county's shortfalls grouped):
    one request after a change, then one warm; a bonus beside the roll-up, no target."""
    import http.client

    def timed() -> tuple[float, int]:
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=600)
        started = time.perf_counter()
        conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
        response = conn.getresponse()
        response.read()
        conn.close()
        return round((time.perf_counter() - started) * 1000, 1), response.status

    with gunicorn(args.port, database_url, extra_env={"GUNICORN_CMD_ARGS": "--timeout 600"}):
        measure(args.port, cookie, ["/"], 2, 4)
        bump_version(database_url)
        cold, cold_status = timed()
        warm, warm_status = timed()
    print(
        f"recurring shortfalls (supervisor): after a change {cold} ms ({cold_status}), warm {warm} ms "
        f"({warm_status}; the other worker may count again)",
        flush=True,
    )
    return {"path": path, "cold_changed_ms": cold, "status": cold_status, "warm_ms": warm}


def print_row(label: str, row: dict) -> None:
    print(
        f"{label:<34} {row['cold_fresh_ms']:>9} {row['cold_started_ms']:>9} {row['cold_changed_ms']:>9} "
        f"{row['p50_1']:>7} {row['p95_1']:>7} "
        f"{row['p50_n']:>7} {row['p95_n']:>7} {row['rps_n']:>6}",
        flush=True,
    )


def pages(args, result: dict) -> None:
    province_url = args.database_url or f"{BASE}/ledger_bench_province"
    county_url = args.county_database_url or f"{BASE}/ledger_bench_county"
    per_county = args.items // args.governments
    common = {"years": args.years, "units": args.units}
    province = run_phase(
        "prepare", province_url, args, items=args.items, governments=args.governments,
        rollup_path=args.rollup_path, **common,
    )  # fmt: skip
    alone = run_phase("prepare", county_url, args, items=per_county, governments=1, **common)
    print(
        f"\nprovince: {province['items']} items in {args.governments} counties, {args.years} years; "
        f"county 001: {province['county_items']} items within it, {alone['county_items']} alone; "
        f"gunicorn 2 workers, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}\n"
    )
    n = args.clients
    print(
        f"{'page':<34} {'cold new':>9} {'cold hz':>9} {'cold chg':>9} {'p50 1c':>7} {'p95 1c':>7} {f'p50 {n}c':>7} "
        f"{f'p95 {n}c':>7} {'req/s':>6}"
    )
    if "rollup" in args.only:
        if not province["rollup_path"]:
            print("province roll-up (supervisor)      skipped: no roll-up page yet", flush=True)
            result["rollup"] = "skipped: no roll-up page yet"
        elif province["status"].get("roll-up") != 200:
            print(f"province roll-up: {province['rollup_path']} answered {province['status']['roll-up']}")
            result["rollup"] = {"path": province["rollup_path"], "status": province["status"]["roll-up"]}
        else:
            row = page_figures(province_url, province["cookies"][SUPERVISOR], province["rollup_path"], args)
            print_row("province roll-up (supervisor)", row)
            result["rollup"] = {"path": province["rollup_path"], **row}
            if province["shortfalls_path"]:
                result["shortfalls"] = shortfalls_figures(
                    province_url, province["cookies"][SUPERVISOR], province["shortfalls_path"], args
                )
    if "county" in args.only:
        within = page_figures(province_url, province["cookies"][COUNTY], "/", args)
        print_row("county dashboard, in province", within)
        by_itself = page_figures(county_url, alone["cookies"][COUNTY], "/", args)
        print_row("county dashboard, county alone", by_itself)
        ratios = {
            key: round(within[key] / by_itself[key], 2) if by_itself[key] else None
            for key in (
                "cold_fresh_ms",
                "cold_started_ms",
                "cold_changed_ms",
                "p50_1",
                "p95_1",
                "p50_n",
                "p95_n",
            )
        }
        result["county"] = {"within": within, "alone": by_itself, "ratios": ratios}
        print(
            "county dashboard, province / alone (target ≤ 1.2): "
            + "; ".join(f"{key} {value}" for key, value in ratios.items())
        )
    print(
        "targets: roll-up p95 ≤ 300 ms warm at 8 clients, and cold; county dashboard ≤ 1.2 × the county alone",
        flush=True,
    )


def exports(args, result: dict) -> None:
    if not (ROOT / "jobs").is_dir():
        print("\nexport through the worker: skipped: no jobs app in this checkout yet")
        result["exports"] = "skipped: no jobs app"
        return
    port = free_port()
    redis = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    redis_url = f"redis://127.0.0.1:{port}/0"
    rows = {}
    try:
        for _ in range(50):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        for size in args.export_sizes:
            url = f"{BASE}/ledger_bench_export_{size}"
            info = run_phase("prepare", url, args, items=size, years=1, units=40, governments=0)
            year = info["year"]
            plain = run_phase("export-inprocess", url, args, year=year)
            posted = run_phase("export-post", url, args, extra_env={"REDIS_URL": redis_url}, year=year)
            if posted["status"] != 303:
                raise SystemExit(f"POST of the export job answered {posted['status']}")
            worker = run_worker(url, redis_url)
            job = run_phase("job-result", url, args, job=posted["job"])
            rows[size] = {
                "year": year,
                "items": info["year_items"],
                "plain": plain,
                "worker": worker,
                "job": job,
            }
    finally:
        redis.terminate()
        redis.wait(timeout=10)
    print("\nXLSX export of one year, plain (in a fresh process) vs through the worker (rqworker --burst)\n")
    print(
        f"{'items':>7} {'plain s':>8} {'job s':>7} {'worker s':>8} {'ratio':>6} {'plain peak MB':>13} "
        f"{'growth':>7} {'worker peak MB':>14} {'growth':>7} {'state':>6}"
    )
    for row in rows.values():
        plain, worker, job = row["plain"], row["worker"], row["job"]
        row["ratio"] = round(job["job_seconds"] / plain["seconds"], 2) if job["job_seconds"] else None
        print(
            f"{row['items']:>7} {plain['seconds']:>8} {job['job_seconds']!s:>7} {worker['seconds']:>8} "
            f"{row['ratio']!s:>6} {plain['peak_mb']:>13} {plain['growth_mb']:>7} {worker['peak_mb']:>14} "
            f"{worker['growth_mb']:>7} {job['state']:>6}"
        )
    print(
        "job s: the job's own time (started → finished); worker s: the burst worker's whole life "
        "(start-up, the job, exit). targets: job ≤ 1.3 × plain; peak memory the same at 50k and 100k",
        flush=True,
    )
    result["exports"] = rows


def run_worker(database_url: str, redis_url: str) -> dict:
    """``manage.py rqworker default --burst`` until the queue is empty; its and its work
    horse's peak resident memory, read from /proc every 50 ms."""
    env = {**os.environ, **ENV, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "DJANGO_SETTINGS_MODULE": SETTINGS}  # fmt: skip
    env.pop("DJANGO_DEBUG", None)
    started = time.perf_counter()
    worker = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "rqworker", "default", "--burst"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak, idle = 0.0, None
    while worker.poll() is None:
        pids = [worker.pid, *children(worker.pid)]
        for pid in pids:
            rss, hwm = _rss(pid)
            peak = max(peak, hwm)
            if pid == worker.pid and len(pids) == 1 and rss:
                idle = rss  # the worker waiting, before (or between) its work horses
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    stderr = worker.stderr.read()
    if worker.returncode:
        raise SystemExit(f"rqworker failed: {stderr[-2000:]}")
    return {
        "seconds": round(seconds, 2),
        "peak_mb": round(peak, 1),
        "idle_mb": round(idle or 0, 1),
        "growth_mb": round(peak - (idle or 0), 1),
    }


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--year", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--job", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", default="", help="the province (default ledger_bench_province)")
    parser.add_argument(
        "--county-database-url", default="", help="the county alone (default ledger_bench_county)"
    )
    parser.add_argument("--governments", type=int, default=100)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--units", type=int, default=20, help="units per county")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=160)
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--rollup-path", default="", help="the roll-up page (default: found by URL name)")
    parser.add_argument("--export-sizes", default="50000,100000")
    parser.add_argument("--only", default="rollup,county,export")
    parser.add_argument("--json", dest="json_path", default="")
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(PHASES[args.phase](args)))
        return
    args.only = set(args.only.split(","))
    args.export_sizes = [int(size) for size in args.export_sizes.split(",") if size]
    result = {"date": time.strftime("%Y-%m-%d %H:%M"), "load": os.getloadavg()}
    if args.only & {"rollup", "county"}:
        pages(args, result)
    if "export" in args.only:
        exports(args, result)
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(result, ensure_ascii=False, indent=2))
        print(f"\nwrote {args.json_path}")


if __name__ == "__main__":
    main()
