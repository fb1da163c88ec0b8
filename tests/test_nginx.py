"""The README's nginx configuration (deploy/nginx.conf), run for real in front of gunicorn
(config/gunicorn.conf.py, one sync worker) on a throw-away SQLite installation: an oversized
body is refused by nginx and never reaches gunicorn; clients trickling uploads do not keep
/healthz from others; login lockouts count each client's own address, whatever it writes in
X-Forwarded-For."""

import contextlib
import http.client
import os
import re
import shutil
import socket
import sqlite3
import ssl
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parent.parent
NGINX = "/usr/sbin/nginx"

pytestmark = [
    pytest.mark.nginx,
    pytest.mark.skipif(not os.path.exists(NGINX), reason="nginx is not installed (.ci/run installs it)"),
    pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is needed for a test certificate"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port: int, what: str, process: subprocess.Popen) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise AssertionError(f"{what} stopped at start (exit {process.returncode})")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not start listening on {port}")


@contextlib.contextmanager
def running(command, *, port, what, **kwargs):
    process = subprocess.Popen(command, **kwargs)
    try:
        wait_for(port, what, process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def nginx_main_config(folder: Path, site: Path) -> str:
    """The main nginx.conf around the site file, as a distribution's /etc/nginx/nginx.conf
    would be, but with every path in ``folder`` (pid, logs, temp folders)."""
    user = "user root;\n" if os.geteuid() == 0 else ""  # temp folders in pytest's private tmp
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} info;\nevents {{ worker_connections 256; }}\n"
        f"http {{\n    access_log {folder / 'access.log'};\n{temp}\n    include {site};\n}}\n"
    )


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """nginx on an HTTPS port in front of gunicorn; yields (nginx port, folder, var folder)."""
    folder = tmp_path_factory.mktemp("nginx")
    var = folder / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DATABASE_URL"}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            # Development mode: static files need no collectstatic in a fresh checkout.
            "DJANGO_DEBUG": "1",
            "DJANGO_VAR_DIR": str(var),
            "DJANGO_AXES_PROXY_COUNT": "1",
            "DJANGO_LOG_LEVEL": "WARNING",
        }
    )
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True)
    create = (
        "from django.contrib.auth import get_user_model; "
        "get_user_model().objects.create_user('staff1', password='correct-horse-battery')"
    )
    subprocess.run([*manage, "shell", "-c", create], cwd=ROOT, env=env, check=True, capture_output=True)
    certificate = ["-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")]
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            *certificate,
        ],
        check=True,
        capture_output=True,
    )
    app_port, web_port = free_port(), free_port()
    site = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    for placeholder, value in {
        "@SERVER_NAME@": "127.0.0.1",
        "@LISTEN@": f"127.0.0.1:{web_port}",
        "@CERTIFICATE@": str(folder / "cert.pem"),
        "@CERTIFICATE_KEY@": str(folder / "key.pem"),
        "@APP@": f"127.0.0.1:{app_port}",
        "@MAX_BODY@": "100m",
    }.items():
        site = site.replace(placeholder, value)
    assert "@" not in re.sub(r"#.*", "", site), "a placeholder is left unfilled"
    (folder / "ledger.conf").write_text(site, encoding="utf-8")
    (folder / "nginx.conf").write_text(nginx_main_config(folder, folder / "ledger.conf"), encoding="utf-8")
    gunicorn_env = {**env, "GUNICORN_BIND": f"127.0.0.1:{app_port}", "GUNICORN_WORKERS": "1"}
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"]
    gunicorn += ["--access-logfile", str(folder / "gunicorn-access.log")]
    nginx = [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(folder / "error.log")]
    with (
        running(gunicorn, port=app_port, what="gunicorn", cwd=ROOT, env=gunicorn_env),
        running(nginx, port=web_port, what="nginx", cwd=folder),
    ):
        yield web_port, folder, var


def tls_connection(port: int, source: str = "127.0.0.1", timeout: float = 30) -> http.client.HTTPSConnection:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return http.client.HTTPSConnection(
        "127.0.0.1", port, timeout=timeout, context=context, source_address=(source, 0)
    )


def raw_tls_socket(port: int) -> ssl.SSLSocket:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=30))


def read_status(sock: ssl.SSLSocket) -> int:
    head = b""
    while b"\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            break
        head += chunk
    return int(head.split(b" ", 2)[1])


def healthz(port: int) -> int:
    conn = tls_connection(port, timeout=20)
    conn.request("GET", "/healthz")
    status = conn.getresponse().status
    conn.close()
    return status


def test_an_oversized_body_is_refused_by_nginx_and_never_reaches_gunicorn(stack):
    port, folder, _var = stack
    with raw_tls_socket(port) as sock:
        sock.sendall(
            b"POST /items/?oversized=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/octet-stream\r\nContent-Length: 314572800\r\n\r\n" + b"x" * 65536
        )
        assert read_status(sock) == 413
    assert healthz(port) == 200  # gunicorn logs this one after anything before it
    gunicorn_log = ""
    for _ in range(100):  # the line is written just after the answer is sent
        gunicorn_log = (folder / "gunicorn-access.log").read_text(encoding="utf-8")
        if "/healthz" in gunicorn_log:
            break
        time.sleep(0.1)
    assert "/healthz" in gunicorn_log and "oversized" not in gunicorn_log
    assert "oversized" in (folder / "access.log").read_text(encoding="utf-8")


def test_clients_trickling_uploads_do_not_hold_the_only_worker(stack):
    port, _folder, var = stack
    # Logins that pass Django's CSRF checks up to reading the form's token from the body, so
    # that a worker handed one would wait for the rest of the body.
    conn = tls_connection(port)
    conn.request("GET", "/accounts/login/")
    page = conn.getresponse()
    page.read()
    csrf = re.search(r"csrftoken=([^;]+)", page.getheader("Set-Cookie")).group(1)
    conn.close()
    trickling = []
    try:
        for n in range(3):  # three slow uploads for one gunicorn worker
            sock = raw_tls_socket(port)
            sock.sendall(
                f"POST /accounts/login/?slow={n} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                f"Origin: https://127.0.0.1:{port}\r\nCookie: csrftoken={csrf}\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 20000\r\n\r\n".encode()
                + b"username=staff1&"
            )
            trickling.append(sock)
        for sock in trickling:
            sock.sendall(b"x" * 100)
        # Mid-upload, other people's requests are answered: nginx holds the unfinished bodies.
        assert healthz(port) == 200
        assert healthz(port) == 200
        uploads = var / "tmp" / "uploads"
        assert not any(uploads.iterdir())  # gunicorn has not seen a byte of them
    finally:
        for sock in trickling:
            sock.close()


def login(port: int, source: str, password: str, forwarded_for: str | None = None) -> int:
    """A login through nginx from ``source`` (a loopback address of its own); the status."""
    conn = tls_connection(port, source=source)
    conn.request("GET", "/accounts/login/")
    page = conn.getresponse()
    body = page.read().decode()
    csrf = re.search(r"csrftoken=([^;]+)", page.getheader("Set-Cookie")).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    headers = {
        "Cookie": f"csrftoken={csrf}",
        "Content-Type": "application/x-www-form-urlencoded",
        "Referer": f"https://127.0.0.1:{port}/accounts/login/",
    }
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    form = {"csrfmiddlewaretoken": token, "username": "staff1", "password": password}
    conn.request("POST", "/accounts/login/", body=urlencode(form), headers=headers)
    status = conn.getresponse().status
    conn.close()
    return status


def test_lockouts_behind_nginx_count_each_clients_own_address(stack):
    port, _folder, var = stack
    # Five wrong passwords from 127.0.0.2, each with another fake address in the header.
    statuses = [login(port, "127.0.0.2", "wrong-password", forwarded_for=f"198.51.100.{n}") for n in range(5)]
    assert statuses[:4] == [200] * 4 and statuses[4] == 429
    assert login(port, "127.0.0.2", "correct-horse-battery", forwarded_for="203.0.113.9") == 429
    # The owner of the account, at another address, still logs in through the same nginx.
    assert login(port, "127.0.0.3", "correct-horse-battery") == 302
    with contextlib.closing(sqlite3.connect(var / "db.sqlite3")) as db:
        counted = {row[0] for row in db.execute("SELECT ip_address FROM axes_accessfailurelog")}
    assert counted == {"127.0.0.2"}
