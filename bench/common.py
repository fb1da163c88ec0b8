"""Helpers the benchmark scripts share: Django set-up against a chosen database, sessions
for logged-in clients, gunicorn on 127.0.0.1, and a bounded, self-stopping load generator.

Only loopback traffic; every loop is bounded by a request count.
"""

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The product's settings plus the benchmark app (seed_scale) and the raw-SQL floor's URL.
SETTINGS = "bench.settings"
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
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
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


@contextlib.contextmanager
def gunicorn(
    port: int,
    database_url: str,
    extra_env: dict | None = None,
    workers: int = 2,
    handle_sigterm: bool = True,
    probe: bool = True,
):
    """gunicorn serving the project on 127.0.0.1:``port`` until the block ends (or SIGTERM,
    when ``handle_sigterm``: a benchmark stopped from outside still stops its server). It is
    taken for up once a /healthz request could be sent; with ``probe=False`` once the port
    accepts a connection, no request sent (a first request to time is then the first)."""
    # A server left over from an earlier run would answer in place of this one.
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            sys.exit(f"port {port} is in use (a server left from an earlier run?); stop it or pass --port")
    if handle_sigterm:
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))
    env = {**os.environ, **ENV, "DATABASE_URL": database_url, **(extra_env or {})}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                if probe:
                    http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
                else:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield server
    finally:
        server.terminate()
        server.wait(timeout=10)
