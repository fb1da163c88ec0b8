"""Settings for benchmark runs: the product's settings plus the benchmark app (``seed_scale``)
and a URLconf that adds the raw-SQL floor at /bench/floor/items/.

    .venv/bin/python manage.py seed_scale --items 50000

The product's settings know nothing of this module; manage.py selects it for the benchmark
commands (seed_scale), bench/common.py's setup_django() and gunicorn() for the runs.
"""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.ledger_bench"]
ROOT_URLCONF = "bench.ledger_bench.urls"
