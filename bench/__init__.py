"""Benchmark code: the scripts that print figures (run, items_bench.py, ...) and the Django app
they need (``bench.ledger_bench``: the synthetic data generator and the raw-SQL floor view),
served with ``bench.settings``. Nothing here is part of the product."""
