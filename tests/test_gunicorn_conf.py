"""config/gunicorn.conf.py's control socket: one per installation, not one per user.

gunicorn 25.1+ opens a control socket (for ``gunicornc``) at ``$XDG_RUNTIME_DIR/gunicorn.ctl``,
else ``~/.gunicorn/gunicorn.ctl``: one path for every gunicorn one user runs on a machine, so a
second instance took the first one's socket over. The conf puts it in ``DJANGO_VAR_DIR``
(``GUNICORN_CONTROL_SOCKET`` names another path, ``off`` opens none); the last test runs two
real instances of one user side by side and asks each socket which instance answers.
"""

import os
import runpy
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from gunicorn.ctl.client import ControlClient

ROOT = Path(__file__).resolve().parent.parent
CONF = ROOT / "config" / "gunicorn.conf.py"


def load_conf(monkeypatch, **env):
    for name in ("GUNICORN_CONTROL_SOCKET", "DJANGO_VAR_DIR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_control_socket_defaults_to_the_installations_var_dir(monkeypatch):
    conf = load_conf(monkeypatch)
    assert conf["control_socket"] == str(ROOT / "var" / "gunicorn.ctl")
    assert not conf.get("control_socket_disable")


def test_control_socket_follows_django_var_dir(monkeypatch, tmp_path):
    conf = load_conf(monkeypatch, DJANGO_VAR_DIR=str(tmp_path / "county"))
    assert conf["control_socket"] == str(tmp_path / "county" / "gunicorn.ctl")


def test_control_socket_named_or_turned_off(monkeypatch, tmp_path):
    named = load_conf(monkeypatch, DJANGO_VAR_DIR=str(tmp_path), GUNICORN_CONTROL_SOCKET="/run/ledger/a.ctl")
    assert named["control_socket"] == "/run/ledger/a.ctl"
    off = load_conf(monkeypatch, GUNICORN_CONTROL_SOCKET=" OFF ")
    assert off["control_socket_disable"] is True
    assert "control_socket" not in off


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_socket(path: Path, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.is_socket():
            return
        if process.poll() is not None:
            raise AssertionError(f"gunicorn ended early: {process.stderr.read()}")
        time.sleep(0.1)
    raise AssertionError(f"no control socket at {path}")


def bind_of(path: Path) -> str:
    with ControlClient(str(path), timeout=10) as client:
        return str(client.send_command("show config"))


def test_two_instances_of_one_user_keep_their_own_control_sockets(tmp_path):
    """Both started under one HOME without XDG_RUNTIME_DIR (where gunicorn's default would
    give both ~/.gunicorn/gunicorn.ctl): each answers on its own socket, and stopping one
    leaves the other's in place."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "DJANGO_", "XDG_"))}
    env.update(HOME=str(tmp_path / "home"), DJANGO_DEBUG="1", GUNICORN_WORKERS="1")
    instances = {}
    try:
        for name in ("county", "city"):
            var_dir = tmp_path / name
            port = free_port()
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(CONF), "config.wsgi"],
                cwd=ROOT,
                env={**env, "DJANGO_VAR_DIR": str(var_dir), "GUNICORN_BIND": f"127.0.0.1:{port}"},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            instances[name] = (process, var_dir / "gunicorn.ctl", port)
        for process, path, _port in instances.values():
            wait_for_socket(path, process)
        for _process, path, port in instances.values():
            assert f"127.0.0.1:{port}" in bind_of(path)
        assert not (tmp_path / "home" / ".gunicorn" / "gunicorn.ctl").exists()

        county, county_socket, _ = instances["county"]
        county.send_signal(signal.SIGTERM)
        county.wait(timeout=30)
        _city, city_socket, city_port = instances["city"]
        assert not county_socket.exists()
        assert f"127.0.0.1:{city_port}" in bind_of(city_socket)
    finally:
        for process, _path, _port in instances.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
