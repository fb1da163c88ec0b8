#!/usr/bin/env python
"""Django's command-line utility for administrative tasks.

Benchmark commands live in bench/ (never in the product's apps) and run with bench.settings:
``python manage.py seed_scale --items N`` works as documented, the product knows no such command.
"""

import os
import sys

BENCH_COMMANDS = {"seed_scale"}


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    os.environ.setdefault(
        "DJANGO_SETTINGS_MODULE", "bench.settings" if command in BENCH_COMMANDS else "config.settings"
    )
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
