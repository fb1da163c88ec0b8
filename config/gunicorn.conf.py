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
