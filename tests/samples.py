"""The two public report texts the tests read (kept in reports/samples/)."""

from pathlib import Path

SAMPLES = Path(__file__).resolve().parent.parent / "reports" / "samples"
XINXIANG = (SAMPLES / "xinxiang-2020.txt").read_text(encoding="utf-8")
QINGSHI = (SAMPLES / "qingshi-2022.txt").read_text(encoding="utf-8")
SEED_PATH = SAMPLES / "xinxiang-2020.txt"
