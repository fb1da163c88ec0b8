"""The score of the last `make mutation` run: killed / total per module and overall, and every
surviving mutant with its diff in var/mutation-survivors.txt (the list to read: each one is
a change to the code that no test noticed).

Reads what mutmut left in mutants/ (its *.meta files); run from the checkout's root.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

# mutmut's exit codes (mutmut/stats.py): 1 and 3 killed; 0 survived; 33 and 5 no test ran the
# mutated function; the SIGXCPU family a timeout (counted apart: not a test's verdict).
KILLED, SURVIVED, NO_TESTS = {1, 3}, {0}, {5, 33}
TIMEOUT = {-24, 24, 152, 255, 36}
SURVIVORS = Path("var/mutation-survivors.txt")


def outcome(code) -> str:
    if code in KILLED:
        return "killed"
    if code in SURVIVED:
        return "survived"
    if code in NO_TESTS:
        return "no tests"
    if code in TIMEOUT:
        return "timeout"
    return "not checked" if code is None else "suspicious"


def diff(name: str, path: str) -> str:
    try:
        from mutmut.mutation.diff_apply import get_diff_for_mutant

        return get_diff_for_mutant(name, path=path)
    except Exception as error:  # an internal API of the pinned mutmut: the name alone will do
        return f"(no diff: {error})"


def main() -> int:
    metas = sorted(Path("mutants").rglob("*.py.meta"))
    if not metas:
        print("No mutation results in mutants/: run `make mutation` first.")
        return 1
    rows, survivors, total = [], [], Counter()
    for meta in metas:
        source = str(meta.relative_to("mutants")).removesuffix(".meta")
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        counts = Counter(outcome(code) for code in codes.values())
        checked = sum(n for state, n in counts.items() if state != "not checked")
        if not checked:
            continue
        total.update(counts)
        rows.append((source, counts, checked))
        survivors += [(name, source) for name, code in sorted(codes.items()) if outcome(code) == "survived"]

    def line(label, counts, checked):
        score = 100 * counts["killed"] / checked if checked else 0
        extra = ", ".join(
            f"{counts[s]} {s}" for s in ("survived", "timeout", "no tests", "suspicious") if counts[s]
        )
        return f"  {label:<28} {counts['killed']:>5} / {checked:<5} killed ({score:5.1f} %)  {extra}"

    print("Mutation score (killed / mutants checked):")
    for source, counts, checked in rows:
        print(line(source, counts, checked))
    checked = sum(n for state, n in total.items() if state != "not checked")
    print(line("all", total, checked))
    SURVIVORS.parent.mkdir(exist_ok=True)
    with SURVIVORS.open("w") as out:
        out.write(f"{len(survivors)} surviving mutants: changes to the code that no test noticed.\n\n")
        for name, source in survivors:
            out.write(f"# {name}\n{diff(name, source)}\n\n")
    print(f"Survivors, each with its diff: {SURVIVORS} (or `.venv/bin/mutmut show NAME`)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
