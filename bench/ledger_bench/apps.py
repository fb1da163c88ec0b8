from django.apps import AppConfig


class LedgerBenchConfig(AppConfig):
    """Benchmark helpers: the ``seed_scale`` command and the raw-SQL floor view. No models."""

    name = "bench.ledger_bench"
    label = "ledger_bench"
