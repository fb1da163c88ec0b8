"""gunicorn's settings for the ledger: ``gunicorn -c config/gunicorn.conf.py config.wsgi``.

Meant to run behind nginx (deploy/nginx.conf, README "Deployment"), which reads every request
whole before it hands it on (proxy_request_buffering) and takes its time with slow clients.
So the workers are plain sync workers, each serving one request from start to end: none
ever waits for a client's upload to trickle in, and the timeout below only catches a request
that runs too long in the app. Without nginx in front, a slow upload would hold a worker
until the timeout killed it.
"""

import multiprocessing
import os
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# gunicorn's rule of thumb: two per core, plus one.
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1))
worker_class = "sync"
# A request still running after this many seconds gets its worker killed and restarted (the
# slowest real request, the XLSX ledger of a 100,000-item year, takes about 15 s).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# On restart (HUP, TERM) a worker may finish the request it is serving for this long.
graceful_timeout = 30
# A worker is replaced after this many requests (a little more or less, so that not all at
# once): whatever a large import or export made it hold is given back.
max_requests = 2000
max_requests_jitter = 200
# The request line and headers, bounded (nginx's large_client_header_buffers is 4 × 8 KB).
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190

# gunicorn's control socket (25.1+, for ``gunicornc``). Its default is one path per user
# ($XDG_RUNTIME_DIR/gunicorn.ctl, else ~/.gunicorn/gunicorn.ctl): a second gunicorn of the same
# user on the same machine unlinks the first one's socket and takes the path, and whichever
# stops first removes it. So each installation keeps its own, in its DJANGO_VAR_DIR (the
# settings' default, var/ beside the code); GUNICORN_CONTROL_SOCKET names another path (two
# instances sharing one DJANGO_VAR_DIR each need one), ``off`` opens none. A path gunicorn cannot
# bind (too long for a Unix socket: over about 100 characters) costs only a warning in its log.
_control = os.environ.get("GUNICORN_CONTROL_SOCKET", "").strip()
if _control.lower() == "off":
    control_socket_disable = True
else:
    _var_dir = Path(os.environ.get("DJANGO_VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
    control_socket = _control or str(_var_dir / "gunicorn.ctl")
