"""Turn a published report into plain data: reading, cleaning, outline, items, metrics.

Strings (or bytes) in, dataclasses out. Nothing here touches the database or HTTP, and
nothing imports the ``tracker`` or ``reports`` apps, so every stage is testable alone::

    text = read_report_bytes(data, filename="report.docx")
    parsed = parse_report(text, directory=[UnitName(key=1, names=["县司法局", "司法局"])])
"""

from .errors import ReportReadError
from .model import Corrections, Metric, Node, ParsedItem, ParsedReport, UnitName
from .parse import parse_report
from .reading import MAX_BYTES, read_report_bytes

__all__ = [
    "MAX_BYTES",
    "Corrections",
    "Metric",
    "Node",
    "ParsedItem",
    "ParsedReport",
    "ReportReadError",
    "UnitName",
    "parse_report",
    "read_report_bytes",
]
