"""Units: find the directory's units named in a text (longest name wins at each place)."""

from __future__ import annotations

import re

from .model import UnitName


class UnitMatcher:
    """Matches unit names, short names and aliases in text; built once per directory."""

    def __init__(self, directory: list[UnitName]):
        self.key_by_name: dict[str, object] = {}
        for unit in directory:
            for name in unit.names:
                name = name.strip()
                if len(name) >= 2 and name not in self.key_by_name:
                    self.key_by_name[name] = unit.key
        names = sorted(self.key_by_name, key=len, reverse=True)
        # Python's alternation takes the first alternative that matches: longest first.
        self.pattern = re.compile("|".join(re.escape(name) for name in names)) if names else None

    def find(self, text: str) -> list[object]:
        """Keys of the units named in ``text``, each once, in order of first appearance."""
        if self.pattern is None:
            return []
        keys: list[object] = []
        for match in self.pattern.finditer(text):
            key = self.key_by_name[match.group(0)]
            if key not in keys:
                keys.append(key)
        return keys
