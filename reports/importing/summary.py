"""The outline of a parse as plain JSON-able data (DESIGN.md's import_report --json)."""

from __future__ import annotations

from .model import ACHIEVEMENT, Node, ParsedReport


def node_json(node: Node) -> dict:
    return {
        "number": node.number,
        "heading": node.heading,
        "kind": node.kind,
        "area": node.area,
        "item": node.item_kind,
        "children": [node_json(child) for child in node.children],
    }


def outline_json(parsed: ParsedReport) -> list[dict]:
    return [node_json(section) for section in parsed.sections]


def parse_counts(parsed: ParsedReport) -> dict:
    """``tasks`` counts the work the report states as done, as before achievements had their
    own kind: it equals ``achievements`` (a report's import creates no open task)."""
    achievements = parsed.count(ACHIEVEMENT)
    return {
        "sections": len(parsed.sections),
        "subsections": sum(1 for s in parsed.sections for c in s.children if not c.inline),
        "tasks": achievements,
        "achievements": achievements,
        "shortfalls": parsed.count("shortfall"),
        "measures": parsed.count("measure"),
        "metrics": parsed.metric_count,
    }
