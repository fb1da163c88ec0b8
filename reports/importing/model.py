"""Plain data the parser produces."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

# Section kinds (level 1), as in DESIGN.md's stable interface.
WORK = "work"
LEADERS_DUTY = "leaders_duty"
SHORTFALLS = "shortfalls"
PLANS = "plans"
SHORTFALLS_AND_PLANS = "shortfalls_and_plans"
OTHER = "other"
CONTEXT = "context"  # text with no numbering at all, or the preamble

# Item kinds. A report's work sections state what its year achieved (achievements, done);
# its problems and plans (shortfalls, measures) are the next year's work.
ACHIEVEMENT = "achievement"
TASK = "task"
SHORTFALL = "shortfall"
MEASURE = "measure"


@dataclass
class Metric:
    """A quantity stated in the text: ``1200余人次`` is value 1200, unit 人次, approximate."""

    label: str  # the clause it stands in
    value: Decimal
    unit: str
    approximate: bool
    start: int  # offsets of the quantity inside the text it was found in
    end: int


@dataclass
class Node:
    """One node of the outline: a numbered section (一、 (二) 3. (4)) or an inline item (五是)."""

    rank: int  # 0 root, 1 一、, 2 (一), 3 1., 4 (1), 5 一是
    number: str = ""
    heading: str = ""
    start: int = 0  # span of the node's whole text (itself and its descendants) in the cleaned text
    end: int = 0
    segments: list[tuple[int, int]] = field(default_factory=list)  # its own text, outside children
    children: list[Node] = field(default_factory=list)
    parent: Node | None = field(default=None, repr=False)
    level: int = 0  # depth in the tree: 1 for top-level sections
    kind: str = WORK  # section kind; children inherit it (or shortfalls / plans after a split)
    area: str | None = None  # area code, or None
    item_kind: str | None = None  # for a leaf that became an item
    inline: bool = False

    def walk(self):
        """This node and its descendants, in document order."""
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def path(self) -> list[Node]:
        nodes, node = [], self
        while node is not None and node.rank > 0:
            nodes.append(node)
            node = node.parent
        return list(reversed(nodes))


@dataclass
class ParsedItem:
    kind: str  # achievement / shortfall / measure
    title: str
    text: str  # verbatim, a substring of the cleaned text
    node: Node = field(repr=False)
    area: str | None = None
    metrics: list[Metric] = field(default_factory=list)
    unit_keys: list = field(default_factory=list)  # matched directory keys, in order of appearance
    # For a measure: the indices (in ``ParsedReport.items``) of the shortfalls it answers, and
    # whether the text told them (linking.py); an unsure measure is flagged for a reviewer.
    answers: list[int] = field(default_factory=list)
    link_sure: bool = True


@dataclass
class UnitName:
    """A unit of the directory the importer matches names against."""

    key: object  # whatever the caller uses to find the unit again (a primary key)
    names: list[str]  # full name, short name, aliases


@dataclass
class Corrections:
    """What the reviewer changed on the preview, applied by ``parse_report``.

    Nodes are named by where they start in the cleaned text, which corrections never change:
    ``kinds`` (a top-level section's start → kind), ``areas`` (a node's start → area code, ""
    for none), ``not_headings`` (starts of numbered lines that are text, merged into the node
    above) and ``split`` (starts of items to split into one item per paragraph, or per sentence
    when they hold one paragraph). ``title`` and ``issuer`` replace what was found when not None.
    """

    title: str | None = None
    issuer: str | None = None
    kinds: dict[int, str] = field(default_factory=dict)
    areas: dict[int, str] = field(default_factory=dict)
    not_headings: set[int] = field(default_factory=set)
    split: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return any(
            (
                self.title is not None,
                self.issuer is not None,
                self.kinds,
                self.areas,
                self.not_headings,
                self.split,
            )
        )

    def to_json(self) -> dict:
        """Plain JSON (string keys, sorted lists) for a session and a stable fingerprint."""
        return {
            "title": self.title,
            "issuer": self.issuer,
            "kinds": {str(k): v for k, v in sorted(self.kinds.items())},
            "areas": {str(k): v for k, v in sorted(self.areas.items())},
            "not_headings": sorted(self.not_headings),
            "split": sorted(self.split),
        }

    @classmethod
    def from_json(cls, data: dict | None) -> Corrections:
        data = data or {}
        return cls(
            title=data.get("title"),
            issuer=data.get("issuer"),
            kinds={int(k): v for k, v in (data.get("kinds") or {}).items()},
            areas={int(k): v for k, v in (data.get("areas") or {}).items()},
            not_headings={int(n) for n in data.get("not_headings") or ()},
            split={int(n) for n in data.get("split") or ()},
        )


@dataclass
class ParsedReport:
    title: str
    year: int | None
    issuer: str
    published_on: date | None
    framework: str
    cleaned_text: str
    root: Node
    preamble: str
    items: list[ParsedItem]
    section_metrics: list[tuple[Node, Metric]]
    warnings: list[str] = field(default_factory=list)
    # Where the year came from: "given", "title", "signature", "opening" (the first sentence).
    year_source: str = ""
    # Top-level sections whose kind the heading did not tell (no words of any kind matched).
    unsure_sections: list[Node] = field(default_factory=list)

    @property
    def sections(self) -> list[Node]:
        """Top-level sections, in order."""
        return self.root.children

    def count(self, kind: str) -> int:
        return sum(1 for item in self.items if item.kind == kind)

    @property
    def metric_count(self) -> int:
        return sum(len(item.metrics) for item in self.items) + len(self.section_metrics)
