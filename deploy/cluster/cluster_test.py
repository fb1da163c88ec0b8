"""``make cluster-test``: the ledger scaled out on one machine, proven through HTTP only.

What it builds (as root; everything is removed again at the end, on failure too):

* a PostgreSQL primary and a streaming replica (Debian's binaries under
  /usr/lib/postgresql/*/bin, ``initdb`` in a temp dir, run as user ``postgres``; the replica
  from ``pg_basebackup -R``), Redis (``redis-server``) and an S3-compatible server
  (``moto_server`` from moto[server], requirements-dev.txt) with a bucket, all listening on
  the bridge address 10.77.0.1 on free ports (never the system's 5432);
* a bridge ``ledgerbr0`` (10.77.0.1/24) and two network namespaces ``ledger-a`` (10.77.0.2)
  and ``ledger-b`` (10.77.0.3), each joined to it by a veth pair, each running one gunicorn
  app host (config/gunicorn.conf.py, production mode: ``DJANGO_DEBUG`` unset, a random
  ``DJANGO_SECRET_KEY``, ``DJANGO_ALLOWED_HOSTS``), each with its own MEDIA_ROOT; one RQ
  worker (``manage.py rqworker default``) beside them on the host;
* haproxy (installed with apt-get when missing) on 127.0.0.1, round robin over both hosts,
  health-checking ``/healthz`` every half second.

It migrates, loads the demo (``load_demo`` with ``DJANGO_DEBUG=1`` for once, so that the demo
users get their known passwords), then checks, as people with browsers would (the login form,
CSRF tokens, cookies, multipart forms; no Django test client, no SQL but the replay switch):

1. a progress note saved through host A is on the item's page through host B at once;
2. evidence uploaded through A downloads through B with the same sha256; the object is in the
   S3 bucket (listed with boto3) and no file with those bytes is under either host's
   MEDIA_ROOT;
3. an export job started on A (``POST /reports/<year>/export/xlsx/job/``, 303 to
   ``/jobs/<uuid>/``) is run by the worker (its ``/status/`` JSON polled through B goes to
   ``done``, the worker's log says it ran a job) and its file downloads through B as a
   workbook;
4. writers through the balancer add progress notes on several items while host A's gunicorn
   is killed (SIGKILL to its whole process group): every write answered with a redirect to
   the item (the success answer; a failure re-renders the form or is a 5xx) is on its item's
   page afterwards, haproxy marks A down, and the balancer answers on from B;
5. the dashboard reads from the replica. The proof: replay is paused on the replica
   (``SELECT pg_wal_replay_pause()``: the replica keeps receiving WAL but applies none, so it
   stays at the moment of the pause). staff1 then submits an item for review through the
   balancer. The item's page (read from the primary) shows it waiting for review at once,
   while the reviewer's dashboard keeps its "submissions waiting" figure: had the dashboard
   read the primary (or a cache filled from it), the figure would have risen. Replay is
   resumed, and the dashboard's figure rises by one within seconds: the same page, now
   that its database has the write. The check is made first that the figure can move at
   all, so a dashboard that never changes does not pass.

It prints one summary line (``cluster-test: 5/5 checks passed in 84 s``) and exits non-zero
when any check failed (its reason printed, with the tail of the logs that matter) or the
cluster could not be built. One run at a time (a lock in the temp folder); a run killed
before its cleanup (SIGKILL) is cleaned up by the next, which ends the process groups it
wrote down and removes its folder and network. Run it through ``make cluster-test``; ``--keep`` leaves the
cluster up until Enter is pressed, to look around (``curl http://127.0.0.1:<port>/``).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import fcntl
import hashlib
import http.client
import http.cookies
import io
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
BRIDGE = "ledgerbr0"
GATEWAY = "10.77.0.1"
HOSTS = {"A": ("ledger-a", "10.77.0.2", "lva"), "B": ("ledger-b", "10.77.0.3", "lvb")}
APP_PORT = 8000
BUCKET = "ledger-cluster"
YEAR = 2021  # the demo's open year: its items take progress
PASSWORD = "{}-demo-2020"  # reports/demo.py's demo_password(random=False)
# One run at a time (the bridge and namespaces have fixed names); what a run started is
# written down, so that the next one ends it if this one was killed before its cleanup.
LOCK_PATH = Path(tempfile.gettempdir()) / "ledger-cluster-test.lock"
STATE_PATH = Path(tempfile.gettempdir()) / "ledger-cluster-test.json"


def log(message: str) -> None:
    print(f"cluster-test: {message}", file=sys.stderr, flush=True)


class CheckFailed(Exception):
    pass


def run(cmd, *, check=True, timeout=240, **kwargs):
    """Run a command to its end (killed after ``timeout`` s); on failure raise with what it
    printed."""
    cmd = [str(part) for part in cmd]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kwargs)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result


def free_port(address: str) -> int:
    with socket.socket() as probe:
        probe.bind((address, 0))
        return probe.getsockname()[1]


def wait_for(what: str, test, timeout: float = 30.0, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            value = test()
        except CheckFailed:
            raise
        except Exception as error:
            last = error
            value = None
        if value:
            return value
        time.sleep(interval)
    raise RuntimeError(f"{what}: not ready after {timeout:.0f} s" + (f" ({last})" if last else ""))


# --------------------------------------------------------------------------- the cluster


@dataclass
class Service:
    name: str
    process: subprocess.Popen
    log_path: Path


@dataclass
class Cluster:
    tmp: Path
    services: dict[str, Service] = field(default_factory=dict)
    cleanups: list = field(default_factory=list)
    ports: dict[str, int] = field(default_factory=dict)
    pg_bin: Path | None = None
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(50))

    # ---- processes

    def spawn(
        self, name: str, cmd, *, env=None, netns: str | None = None, user: str | None = None
    ) -> Service:
        """Start a long-running process in its own session (so that its whole group can be
        killed), its output in ``<tmp>/logs/<name>.log``."""
        if user:
            cmd = ["runuser", "-u", user, "--", *cmd]
        if netns:
            cmd = ["ip", "netns", "exec", netns, *cmd]
        log_path = self.tmp / "logs" / f"{name}.log"
        with open(log_path, "ab") as out:
            process = subprocess.Popen(
                [str(part) for part in cmd],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=ROOT,
                start_new_session=True,
            )
        service = Service(name, process, log_path)
        self.services[name] = service
        self.write_state()
        return service

    def write_state(self) -> None:
        groups = [(s.process.pid, _start_time(s.process.pid)) for s in self.services.values()]
        STATE_PATH.write_text(json.dumps({"tmp": str(self.tmp), "groups": groups}))

    def stop_all(self) -> None:
        for service in reversed(list(self.services.values())):
            _end_group(service.process)

    def log_tail(self, name: str, lines: int = 25) -> str:
        service = self.services.get(name)
        if not service or not service.log_path.exists():
            return ""
        text = service.log_path.read_text(errors="replace").splitlines()[-lines:]
        return f"--- {name} ({service.log_path.name}), last lines:\n" + "\n".join(text)


def _end_group(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(grace)
            return
        except subprocess.TimeoutExpired:
            continue


def _start_time(pid: int) -> str | None:
    """When the process started (field 22 of /proc/<pid>/stat): a pid reused since is not it."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def reap_leftovers() -> None:
    """End what a run killed before its cleanup (SIGKILL, a session stopped) left running:
    its process groups (those still the same processes) and its temp dir. The network goes
    with ``remove_network``."""
    try:
        state = json.loads(STATE_PATH.read_text())
    except (OSError, ValueError):
        return
    for pid, started in state.get("groups", []):
        if started and _start_time(pid) == started:
            log(f"ending process group {pid} left by an earlier run")
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
    tmp = Path(state.get("tmp", ""))
    if tmp.name.startswith("ledger-cluster-"):
        shutil.rmtree(tmp, ignore_errors=True)
    STATE_PATH.unlink(missing_ok=True)


def remove_network() -> None:
    """The namespaces, veth pairs and the bridge, whether or not a run made them (a run
    killed before its cleanup leaves them; the next one clears them first)."""
    for netns, _address, veth in HOSTS.values():
        _kill_namespace_processes(netns)
        run(["ip", "netns", "del", netns], check=False)
        run(["ip", "link", "del", veth], check=False)
    run(["ip", "link", "del", BRIDGE], check=False)


def _kill_namespace_processes(netns: str) -> None:
    result = run(["ip", "netns", "pids", netns], check=False)
    for pid in result.stdout.split():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid), signal.SIGKILL)


def build_network() -> None:
    run(["ip", "link", "add", BRIDGE, "type", "bridge"])
    run(["ip", "addr", "add", f"{GATEWAY}/24", "dev", BRIDGE])
    run(["ip", "link", "set", BRIDGE, "up"])
    for netns, address, veth in HOSTS.values():
        inner = f"{veth}i"
        run(["ip", "netns", "add", netns])
        run(["ip", "link", "add", veth, "type", "veth", "peer", "name", inner])
        run(["ip", "link", "set", inner, "netns", netns])
        run(["ip", "link", "set", veth, "master", BRIDGE])
        run(["ip", "link", "set", veth, "up"])
        run(["ip", "-n", netns, "addr", "add", f"{address}/24", "dev", inner])
        run(["ip", "-n", netns, "link", "set", inner, "up"])
        run(["ip", "-n", netns, "link", "set", "lo", "up"])


def postgres_bin() -> Path:
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name)
    )
    if not versions:
        raise RuntimeError("no PostgreSQL under /usr/lib/postgresql/*/bin (apt-get install postgresql)")
    return versions[-1].parent


def start_postgres(cluster: Cluster) -> None:
    pg = cluster.pg_bin = postgres_bin()
    primary, replica = cluster.tmp / "pg-primary", cluster.tmp / "pg-replica"
    sockets = cluster.tmp / "pg-sockets"
    for folder in (sockets, primary, replica):
        folder.mkdir(mode=0o700)
        shutil.chown(folder, "postgres")
    port, replica_port = free_port(GATEWAY), free_port(GATEWAY)
    cluster.ports.update(postgres=port, replica=replica_port)
    as_postgres = ["runuser", "-u", "postgres", "--"]
    run([*as_postgres, pg / "initdb", "-D", primary, "-U", "postgres", "-A", "trust", "-E", "UTF8"])
    with open(primary / "postgresql.conf", "a") as conf:
        conf.write(
            f"listen_addresses = '{GATEWAY}'\nport = {port}\nunix_socket_directories = '{sockets}'\n"
            # fsync off: the test's data dies with it; replication and commits are as ever.
            "wal_level = replica\nmax_wal_senders = 5\nfsync = off\nhot_standby = on\n"
        )
    with open(primary / "pg_hba.conf", "a") as hba:
        hba.write("host all all 10.77.0.0/24 trust\nhost replication all 10.77.0.0/24 trust\n")
    cluster.spawn("postgres-primary", [pg / "postgres", "-D", primary], user="postgres")
    wait_for("PostgreSQL primary", lambda: _pg_ready(pg, port), timeout=30)
    connect = ["-h", GATEWAY, "-p", port, "-U", "postgres"]
    run([*as_postgres, pg / "createdb", *connect, "ledger"])
    run([*as_postgres, pg / "pg_basebackup", *connect, "-D", replica, "-R", "--checkpoint=fast"])
    with open(replica / "postgresql.conf", "a") as conf:
        conf.write(f"port = {replica_port}\n")
    cluster.spawn("postgres-replica", [pg / "postgres", "-D", replica], user="postgres")
    wait_for("PostgreSQL replica", lambda: _pg_ready(pg, replica_port), timeout=30)
    wait_for(
        "streaming replication",
        lambda: (
            psql(cluster, "postgres", "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")
            == "1"
        ),
    )


def _pg_ready(pg: Path, port: int) -> bool:
    probe = run([pg / "pg_isready", "-h", GATEWAY, "-p", port, "-U", "postgres", "-q"], check=False)
    return probe.returncode == 0


def psql(cluster: Cluster, which: str, sql: str) -> str:
    """One value from the primary (``postgres``) or the replica (``replica``)."""
    port = cluster.ports[which]
    result = run(
        [cluster.pg_bin / "psql", "-h", GATEWAY, "-p", port, "-U", "postgres", "-d", "ledger", "-XAtc", sql]
    )
    return result.stdout.strip()


def install_haproxy() -> str:
    """haproxy from Debian's packages, installed when missing (as root), never started as a
    service (policy-rc.d forbids it during the install)."""
    found = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)
    if found:
        return found
    log("installing haproxy (apt-get)")
    policy = Path("/usr/sbin/policy-rc.d")
    added = not policy.exists()
    if added:
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
    try:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run(["apt-get", "update", "-qq"], env=env)
        run(["apt-get", "install", "-y", "-qq", "haproxy"], env=env)
    finally:
        if added:
            policy.unlink()
    return "/usr/sbin/haproxy"


def app_env(cluster: Cluster, var_dir: Path) -> dict[str, str]:
    """Production settings (config/settings.py) pointing at the cluster's services."""
    var_dir.mkdir(parents=True, exist_ok=True)
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "S3_", "GUNICORN_"))
    }
    p = cluster.ports
    return {
        **keep,
        "DJANGO_SECRET_KEY": cluster.secret_key,
        "DJANGO_ALLOWED_HOSTS": ",".join(
            ["127.0.0.1", "localhost", GATEWAY] + [a for _n, a, _v in HOSTS.values()]
        ),
        # Plain HTTP inside the test: no redirect to HTTPS, no HSTS.
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_HSTS_SECONDS": "0",
        "DJANGO_VAR_DIR": str(var_dir),
        "DJANGO_MEDIA_ROOT": str(var_dir / "media"),
        "DJANGO_LOG_LEVEL": "WARNING",
        "DATABASE_URL": f"postgres://postgres@{GATEWAY}:{p['postgres']}/ledger",
        "DATABASE_REPLICA_URL": f"postgres://postgres@{GATEWAY}:{p['replica']}/ledger",
        "REDIS_URL": f"redis://{GATEWAY}:{p['redis']}/0",
        "S3_BUCKET": BUCKET,
        "S3_ENDPOINT_URL": f"http://{GATEWAY}:{p['s3']}",
        "S3_ACCESS_KEY_ID": "cluster-test",
        "S3_SECRET_ACCESS_KEY": "cluster-test-secret",
        "S3_REGION": "us-east-1",
        "GUNICORN_BIND": f"0.0.0.0:{APP_PORT}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_TIMEOUT": "30",
        "PYTHONUNBUFFERED": "1",
        # gunicorn (25.1+) opens a control socket at $XDG_RUNTIME_DIR/gunicorn.ctl, else at
        # ~/.gunicorn/gunicorn.ctl: one path for every gunicorn of the user. Each host its own.
        "XDG_RUNTIME_DIR": str(var_dir),
    }


def s3_client(cluster: Cluster):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=f"http://{GATEWAY}:{cluster.ports['s3']}",
        aws_access_key_id="cluster-test",
        aws_secret_access_key="cluster-test-secret",
        region_name="us-east-1",
    )


def start(cluster: Cluster) -> None:
    haproxy = install_haproxy()
    (cluster.tmp / "logs").mkdir()
    remove_network()
    cluster.cleanups.append(remove_network)
    build_network()
    log("network: bridge and namespaces up")
    start_postgres(cluster)
    log(f"PostgreSQL primary :{cluster.ports['postgres']} and replica :{cluster.ports['replica']} streaming")

    cluster.ports["redis"] = free_port(GATEWAY)
    cluster.spawn(
        "redis",
        [
            *("redis-server", "--bind", GATEWAY, "--port", cluster.ports["redis"], "--protected-mode", "no"),
            *("--save", "", "--appendonly", "no", "--dir", cluster.tmp),
        ],
    )
    cluster.ports["s3"] = free_port(GATEWAY)
    moto = VENV_BIN / "moto_server"
    cluster.spawn("s3", [moto if moto.exists() else "moto_server", "-H", GATEWAY, "-p", cluster.ports["s3"]])
    wait_for("Redis", lambda: _redis_ping(cluster.ports["redis"]))
    wait_for("moto_server", lambda: s3_client(cluster).list_buckets() is not None, timeout=30)
    s3_client(cluster).create_bucket(Bucket=BUCKET)
    log(f"Redis :{cluster.ports['redis']}, S3 (moto) :{cluster.ports['s3']} bucket {BUCKET}")

    setup_env = app_env(cluster, cluster.tmp / "setup")
    manage = [sys.executable, "manage.py"]
    run([*manage, "migrate", "--noinput"], env=setup_env, cwd=ROOT)
    run([*manage, "collectstatic", "--noinput"], env=setup_env, cwd=ROOT)
    # The demo's known passwords need development mode (production gives random ones); the
    # database, cache and storage are the cluster's all the same.
    run([*manage, "load_demo"], env={**setup_env, "DJANGO_DEBUG": "1"}, cwd=ROOT)
    log("migrated, static files collected, demo loaded")

    for name, (netns, _address, _veth) in HOSTS.items():
        env = app_env(cluster, cluster.tmp / f"host-{name.lower()}")
        cmd = [VENV_BIN / "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"]
        cluster.spawn(f"host-{name.lower()}", cmd, env=env, netns=netns)
    worker_env = app_env(cluster, cluster.tmp / "worker")
    cluster.spawn("worker", [*manage, "rqworker", "default"], env=worker_env)
    for name, (_netns, address, _veth) in HOSTS.items():
        wait_for(f"host {name}", lambda a=address: _healthy(f"{a}:{APP_PORT}"), timeout=60)

    cluster.ports["balancer"] = free_port("127.0.0.1")
    config = cluster.tmp / "haproxy.cfg"
    config.write_text(
        HAPROXY_CONFIG.format(port=cluster.ports["balancer"], socket=cluster.tmp / "haproxy.sock")
    )
    run([haproxy, "-c", "-q", "-f", config])
    cluster.spawn("balancer", [haproxy, "-db", "-f", config])
    wait_for("haproxy", lambda: _healthy(f"127.0.0.1:{cluster.ports['balancer']}"))
    wait_for(
        "both hosts up in haproxy", lambda: haproxy_states(cluster) == {"A": "UP", "B": "UP"}, timeout=20
    )
    log(f"hosts A and B up behind haproxy on 127.0.0.1:{cluster.ports['balancer']}")


HAPROXY_CONFIG = """\
global
    maxconn 512
    stats socket {socket} mode 600 level admin

defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    # A connection refused (a host gone) is tried again on the other host; a request that
    # reached a host is never sent twice (retry-on's default is conn-failure only).
    retries 2
    option redispatch

frontend ledger
    bind 127.0.0.1:{port}
    default_backend hosts

backend hosts
    balance roundrobin
    option httpchk
    http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
    server A 10.77.0.2:8000 check inter 500ms fall 2 rise 2
    server B 10.77.0.3:8000 check inter 500ms fall 2 rise 2
"""


def haproxy_states(cluster: Cluster) -> dict[str, str]:
    """Each server's state as haproxy's stats socket reports it (UP, DOWN, ...)."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(3)
        sock.connect(str(cluster.tmp / "haproxy.sock"))
        sock.sendall(b"show stat\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    lines = data.decode().splitlines()
    header = lines[0].lstrip("# ").split(",")
    states = {}
    for line in lines[1:]:
        row = dict(zip(header, line.split(","), strict=False))
        if row.get("pxname") == "hosts" and row.get("svname") in HOSTS:
            states[row["svname"]] = row["status"].split()[0]
    return states


def _redis_ping(port: int) -> bool:
    with socket.create_connection((GATEWAY, port), timeout=1) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(64).startswith(b"+PONG")


def _healthy(hostport: str) -> bool:
    response = Browser(hostport).get("/healthz")
    return response.status == 200


# --------------------------------------------------------------------------- a browser


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str:
        return urllib.parse.urlsplit(self.headers.get("Location", "")).path


class Browser:
    """What a browser does that matters here: keeps cookies (all of them: the test runs on
    plain HTTP, so the production cookies' Secure flag is ignored, as a browser on the HTTPS
    site would send them), sends the CSRF token of the page's form and an Origin header, and
    posts forms as multipart. Redirects are not followed, so that their status is seen."""

    def __init__(self, hostport: str, cookies: dict[str, str] | None = None):
        self.hostport = hostport
        self.cookies = cookies if cookies is not None else {}

    def at(self, hostport: str) -> Browser:
        """The same person (the same cookies) at another address."""
        return Browser(hostport, self.cookies)

    def request(
        self, method: str, path: str, body: bytes | None = None, headers=None, timeout=30
    ) -> Response:
        host, port = self.hostport.rsplit(":", 1)
        connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
        all_headers = {"Host": self.hostport, "Accept-Language": "zh-hans", **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=all_headers)
            answer = connection.getresponse()
            response = Response(answer.status, answer.headers, answer.read())
        finally:
            connection.close()
        for raw in response.headers.get_all("Set-Cookie") or []:
            jar = http.cookies.SimpleCookie()
            jar.load(raw)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, fields: dict[str, str], files=(), referer: str | None = None) -> Response:
        """A form post as the browser sends it: multipart, with the CSRF cookie's token
        (Django's form token is the cookie's secret masked; either passes)."""
        boundary = "----cluster" + secrets.token_hex(12)
        fields = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **fields}
        body = io.BytesIO()
        for name, value in fields.items():
            body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
            body.write(str(value).encode() + b"\r\n")
        for name, filename, content, content_type in files:
            body.write(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n".encode()
            )
            body.write(content + b"\r\n")
        body.write(f"--{boundary}--\r\n".encode())
        headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Origin": f"http://{self.hostport}",
            "Referer": f"http://{self.hostport}{referer or path}",
        }
        return self.request("POST", path, body=body.getvalue(), headers=headers)

    def login(self, username: str) -> None:
        page = self.get("/accounts/login/")
        expect(page.status == 200, f"login page answered {page.status}")
        answer = self.post(
            "/accounts/login/", {"username": username, "password": PASSWORD.format(username), "next": "/"}
        )
        expect(
            answer.status == 302 and "sessionid" in self.cookies,
            f"{username} could not log in through {self.hostport} (answer {answer.status})",
        )


def expect(condition, reason: str) -> None:
    if not condition:
        raise CheckFailed(reason)


def form_version(page: Response, name: str = "version") -> int:
    match = re.search(rf'name="{re.escape(name)}" value="(\d+)"', page.text)
    expect(match, f"no {name} field on the page")
    return int(match.group(1))


# A one-page PDF (as reports/demo.py's sample), with a line of its own so its hash is new.
def sample_pdf(token: str) -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
        b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%" + token.encode() + b"\n%%EOF\n"
    )


# --------------------------------------------------------------------------- the checks


def add_note(browser: Browser, pk: int, note: str, files=()) -> Response:
    """A progress note (and files) on an item, as its page's form sends it: the page first,
    for the version it was opened on."""
    page = browser.get(f"/items/{pk}/")
    expect(page.status == 200, f"item {pk} answered {page.status} through {browser.hostport}")
    return browser.post(f"/items/{pk}/", {"note": note, "status": "", "version": form_version(page)}, files)


def workbook_cells(content: bytes) -> dict[str, list[tuple]] | None:
    """Every sheet's rows of values, or None when the bytes are no workbook."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return None
    return {
        sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets
    }


class Checks:
    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        self.a = f"{HOSTS['A'][1]}:{APP_PORT}"
        self.b = f"{HOSTS['B'][1]}:{APP_PORT}"
        self.lb = f"127.0.0.1:{cluster.ports['balancer']}"
        self.staff = Browser(self.a)
        self.staff.login("staff1")
        self.items = self._writable_items()

    def _writable_items(self) -> list[int]:
        """staff1's items of the open year that take a progress note, as his list shows them."""
        listing = self.staff.get(f"/items/?year={YEAR}")
        expect(listing.status == 200, f"the item list answered {listing.status}")
        ids = list(dict.fromkeys(int(pk) for pk in re.findall(r'href="/items/(\d+)/"', listing.text)))
        writable = [pk for pk in ids if 'name="note"' in self.staff.get(f"/items/{pk}/").text]
        expect(len(writable) >= 2, f"staff1 can write on {len(writable)} items of {YEAR}; 2 needed")
        return writable

    # 1
    def progress_seen_across_hosts(self) -> str:
        pk, note = self.items[0], f"（集群测试）经由A主机保存 {secrets.token_hex(6)}"
        answer = add_note(self.staff, pk, note)
        expect(
            answer.status == 302 and answer.location == f"/items/{pk}/",
            f"saving through A answered {answer.status}",
        )
        page = self.staff.at(self.b).get(f"/items/{pk}/")
        expect(page.status == 200, f"item {pk} through B answered {page.status} (session not shared?)")
        expect(note in page.text, "the note saved through A is not on the item's page through B")
        return f"item {pk}: note saved through A, shown through B"

    # 2
    def evidence_in_s3(self) -> str:
        token = secrets.token_hex(8)
        content, name = sample_pdf(token), f"cluster-{token}.pdf"
        digest = hashlib.sha256(content).hexdigest()
        pk = self.items[0]
        answer = add_note(
            self.staff, pk, f"（集群测试）证明材料 {token}", [("files", name, content, "application/pdf")]
        )
        expect(answer.status == 302, f"uploading through A answered {answer.status}")
        page = self.staff.at(self.b).get(f"/items/{pk}/")
        match = re.search(rf'{re.escape(name)}</span>.*?href="/evidence/(\d+)/"', page.text, re.S)
        expect(match, "the uploaded file is not listed on the item's page through B")
        download = self.staff.at(self.b).get(f"/evidence/{match.group(1)}/")
        expect(download.status == 200, f"downloading through B answered {download.status}")
        expect(hashlib.sha256(download.body).hexdigest() == digest, "the file downloaded through B differs")
        s3 = s3_client(self.cluster)
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
        in_bucket = [
            key
            for key in keys
            if hashlib.sha256(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()).hexdigest() == digest
        ]
        expect(in_bucket, f"no object in bucket {BUCKET} has the file's sha256 ({len(keys)} objects)")
        on_disk = [
            path
            for host in ("host-a", "host-b")
            for path in (self.cluster.tmp / host).rglob("*")
            if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == digest
        ]
        expect(not on_disk, f"the file is on a host's disk: {on_disk}")
        return f"sha256 {digest[:12]}… through A and B, S3 object {in_bucket[0]}, on no host's disk"

    # 3
    def export_job(self) -> str:
        reviewer = Browser(self.a)
        reviewer.login("reviewer")
        reviewer.get(f"/reports/{YEAR}/")
        worker_log = self.cluster.services["worker"].log_path
        ran_before = worker_log.read_text(errors="replace").count("Job OK")
        answer = reviewer.post(f"/reports/{YEAR}/export/xlsx/job/", {}, referer=f"/reports/{YEAR}/")
        expect(answer.status == 303, f"starting the export through A answered {answer.status}")
        match = re.fullmatch(r"/jobs/([0-9a-f-]{36})/", answer.location)
        expect(match, f"the job redirects to {answer.location!r}, not /jobs/<uuid>/")
        at_b = reviewer.at(self.b)
        page = at_b.get(answer.location)
        expect(page.status == 200, f"the job's page through B answered {page.status}")

        def done():
            status = at_b.get(f"{answer.location}status/")
            expect(status.status == 200, f"the job's status through B answered {status.status}")
            state = json.loads(status.body)
            expect(state.get("state") != "failed", f"the job failed: {state}")
            return state if state.get("state") == "done" else None

        try:
            state = wait_for("the export job", done, timeout=90, interval=0.5)
        except RuntimeError as error:
            raise CheckFailed(str(error)) from None
        url = urllib.parse.urlsplit(state.get("download_url") or "").path
        expect(url == f"{answer.location}download/", f"download_url is {state.get('download_url')!r}")
        file = at_b.get(url)
        expect(file.status == 200, f"downloading the export through B answered {file.status}")
        plain = at_b.get(f"/reports/{YEAR}/export/xlsx/")
        expect(plain.status == 200, f"the plain export through B answered {plain.status}")
        made_by_job, made_at_once = workbook_cells(file.body), workbook_cells(plain.body)
        expect(made_by_job, "the downloaded export is not an XLSX workbook with rows")
        expect(made_by_job == made_at_once, "the job's workbook differs from the plain export's")
        ran = worker_log.read_text(errors="replace").count("Job OK")
        expect(ran > ran_before, "the RQ worker's log shows no job run")
        other = Browser(self.b, dict(self.staff.cookies)).get(url)
        expect(other.status == 404, f"staff1 (not the job's owner) got {other.status} for the download")
        rows = sum(len(sheet) for sheet in made_by_job.values())
        return (
            f"job {match.group(1)[:8]}… done by the worker; its workbook ({rows} rows in "
            f"{len(made_by_job)} sheets) downloaded through B, equal to the plain export"
        )

    # 5
    def dashboard_reads_replica(self) -> str:
        reviewer = Browser(self.lb)
        reviewer.login("reviewer")

        def waiting() -> int:
            page = reviewer.get(f"/?year={YEAR}")
            match = re.search(r'data-kpi="waiting">(\d+)<', page.text)
            expect(
                page.status == 200 and match,
                f"the dashboard answered {page.status} without its waiting figure",
            )
            return int(match.group(1))

        staff = self.staff.at(self.lb)
        candidates = [pk for pk in self.items if 'name="submit-note"' in staff.get(f"/items/{pk}/").text]
        expect(len(candidates) >= 2, "staff1 has fewer than two items he can submit")
        first, second = candidates[:2]

        def submit(pk: int) -> None:
            page = staff.get(f"/items/{pk}/")
            fields = {"submit-note": f"（集群测试）提交审核 {secrets.token_hex(4)}"}
            fields["submit-version"] = form_version(page, "submit-version")
            answer = staff.post(f"/items/{pk}/submit/", fields, referer=f"/items/{pk}/")
            expect(answer.status == 302, f"submitting item {pk} answered {answer.status}")

        # The figure moves at all: a submission with replay running shows within seconds.
        before = waiting()
        submit(first)
        try:
            wait_for("the dashboard to count a submission", lambda: waiting() == before + 1, timeout=10)
        except RuntimeError:
            raise CheckFailed("the dashboard's waiting figure did not rise after a submission") from None
        before += 1

        psql(self.cluster, "replica", "SELECT pg_wal_replay_pause()")
        try:
            wait_for(
                "replay paused",
                lambda: psql(self.cluster, "replica", "SELECT pg_get_wal_replay_pause_state()") == "paused",
                timeout=10,
            )
            expect(waiting() == before, "the dashboard changed while nothing was written")
            submit(second)
            item_page = Browser(self.lb, reviewer.cookies).get(f"/items/{second}/")
            expect(
                'name="submit-note"' not in staff.get(f"/items/{second}/").text,
                "the item page still offers submit",
            )
            expect(item_page.status == 200, f"the item's page answered {item_page.status}")
            paused_figure = waiting()
            expect(
                paused_figure == before,
                f"the dashboard showed {paused_figure} waiting, the primary's figure, while the replica was paused at {before}",
            )
        finally:
            psql(self.cluster, "replica", "SELECT pg_wal_replay_resume()")
        try:
            wait_for("the dashboard after resuming", lambda: waiting() == before + 1, timeout=15)
        except RuntimeError:
            raise CheckFailed("after replay resumed the dashboard never showed the submission") from None
        return f"waiting stayed {before} while replay was paused, {before + 1} after it resumed"

    # 4
    def failover_loses_no_write(self) -> str:
        """Writers through the balancer, each logged in on its own and on its own item (two on
        one item would refuse each other's stale version, 409), for a few seconds; then host
        A's gunicorn, master and workers, gets SIGKILL, and they write on for a few more."""
        self.items = self._writable_items()  # check 5 submitted some: they take no note now
        writers = min(4, len(self.items))
        accepted: list[tuple[int, str]] = []
        refused: collections.Counter[str] = collections.Counter()
        lock = threading.Lock()
        ready = threading.Barrier(writers + 1, timeout=60)
        stop = threading.Event()
        killed = threading.Event()
        after_kill = [0]

        def writer(number: int) -> None:
            browser = Browser(self.lb)
            browser.login("staff1")
            pk = self.items[number]
            ready.wait()
            serial = 0
            deadline = time.monotonic() + 60  # bounded even if the main thread never says stop
            while not stop.is_set() and time.monotonic() < deadline:
                serial += 1
                note = f"（集群测试）写入 w{number}-{serial}-{secrets.token_hex(3)}"
                try:
                    answer = add_note(browser, pk, note)
                except CheckFailed:  # the item's page (for its version) did not come
                    with lock:
                        refused["page not served"] += 1
                    continue
                except (OSError, http.client.HTTPException) as error:
                    with lock:
                        refused[type(error).__name__] += 1
                    continue
                with lock:
                    if answer.status in (302, 303) and answer.location == f"/items/{pk}/":
                        accepted.append((pk, note))
                        after_kill[0] += killed.is_set()
                    else:
                        refused[str(answer.status)] += 1

        threads = [threading.Thread(target=writer, args=(n,), daemon=True) for n in range(writers)]
        for thread in threads:
            thread.start()
        ready.wait()
        time.sleep(3)
        with lock:
            before_kill = len(accepted)
        host_a = self.cluster.services["host-a"].process
        os.killpg(host_a.pid, signal.SIGKILL)
        killed.set()
        host_a.wait(10)
        time.sleep(5)
        stop.set()
        for thread in threads:
            thread.join(30)
        expect(before_kill > 0, "no write was accepted before host A was killed")
        expect(after_kill[0] > 0, "no write was accepted after host A was killed")
        try:
            wait_for(
                "haproxy to mark A down", lambda: haproxy_states(self.cluster).get("A") == "DOWN", timeout=10
            )
        except RuntimeError:
            raise CheckFailed(f"haproxy still reports A as {haproxy_states(self.cluster).get('A')}") from None
        expect(
            haproxy_states(self.cluster).get("B") == "UP", f"haproxy reports B {haproxy_states(self.cluster)}"
        )
        reads = [
            Browser(self.lb, self.staff.cookies).get(f"/items/{self.items[0]}/").status for _ in range(10)
        ]
        expect(all(status == 200 for status in reads), f"after A died the balancer answered {reads}")
        pages = {pk: Browser(self.b, self.staff.cookies).get(f"/items/{pk}/").text for pk in set(self.items)}
        lost = [note for pk, note in accepted if note not in pages[pk]]
        expect(not lost, f"{len(lost)} of {len(accepted)} accepted writes are missing, e.g. {lost[:3]}")
        return (
            f"{writers} writers, {len(accepted)} writes accepted ({before_kill} before the kill, "
            f"{after_kill[0]} after), all present; refused: {dict(refused) or 'none'}; "
            "A DOWN in haproxy, 10 of 10 pages served"
        )


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--keep", action="store_true", help="leave the cluster up until Enter is pressed")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print(
            "cluster-test: needs root (network namespaces, a bridge, PostgreSQL as postgres)", file=sys.stderr
        )
        return 2
    lock = open(LOCK_PATH, "w")  # noqa: SIM115 - held until the process ends
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"cluster-test: another run holds {LOCK_PATH}; wait for it to end", file=sys.stderr)
        return 2
    reap_leftovers()
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="ledger-cluster-"))
    tmp.chmod(0o755)
    cluster = Cluster(tmp=tmp)

    def terminated(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminated)
    signal.signal(signal.SIGINT, terminated)
    results: list[tuple[int, str, str, str]] = []
    try:
        try:
            start(cluster)
        except Exception as error:
            log(f"the cluster could not be built: {error}")
            for name in cluster.services:
                print(cluster.log_tail(name, 15), file=sys.stderr)
            print(f"cluster-test: 0/5 checks passed in {time.monotonic() - started:.0f} s (no cluster)")
            return 1
        try:
            checks = Checks(cluster)
        except (CheckFailed, OSError, http.client.HTTPException) as failure:
            log(f"the demo could not be used through HTTP: {failure}")
            for name in ("host-a", "host-b"):
                print(cluster.log_tail(name), file=sys.stderr)
            print(f"cluster-test: 0/5 checks passed in {time.monotonic() - started:.0f} s ({failure})")
            return 1
        plan = [
            (1, "progress through A seen through B", checks.progress_seen_across_hosts, ["host-a", "host-b"]),
            (
                2,
                "evidence through A in S3, downloaded through B",
                checks.evidence_in_s3,
                ["host-a", "host-b", "s3"],
            ),
            (
                3,
                "export job on A, made by the worker, downloaded through B",
                checks.export_job,
                ["worker", "host-b"],
            ),
            (
                5,
                "dashboard read from the replica",
                checks.dashboard_reads_replica,
                ["postgres-replica", "host-a"],
            ),
            (
                4,
                "host A killed under writes: none lost, B serves on",
                checks.failover_loses_no_write,
                ["balancer"],
            ),
        ]
        for number, title, check, logs in plan:
            try:
                detail = check()
                outcome = "passed"
            except (CheckFailed, Exception) as failure:
                outcome, detail = (
                    "FAILED",
                    str(failure) if isinstance(failure, CheckFailed) else repr(failure),
                )
                for name in logs:
                    print(cluster.log_tail(name), file=sys.stderr)
            results.append((number, title, outcome, detail))
            log(f"{number}. {title}: {outcome}: {detail}")
        if args.keep:
            input(f"cluster up: http://127.0.0.1:{cluster.ports['balancer']}/ ; Enter ends it ")
    finally:
        cluster.stop_all()
        for cleanup in reversed(cluster.cleanups):
            cleanup()
        shutil.rmtree(tmp, ignore_errors=True)
        STATE_PATH.unlink(missing_ok=True)
    results.sort()
    passed = sum(1 for r in results if r[2] == "passed")
    failed = [r for r in results if r[2] == "FAILED"]
    summary = f"cluster-test: {passed}/5 checks passed"
    summary += f" in {time.monotonic() - started:.0f} s"
    for number, title, _outcome, detail in failed:
        summary += f"\n  check {number} failed ({title}): {detail}"
    print(summary)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
