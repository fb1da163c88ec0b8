"""Two racing saves are refused on SQLite too, as they are on PostgreSQL
(tests/test_racing_pairs.py): two people who opened the same version of an item save at the
same moment; one is saved, the other is told the item changed (409) with his or her note
kept on the page, and the database holds exactly the one saved note."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAIRS = 20


def test_two_people_saving_the_same_version_at_once_on_sqlite_one_wins_nothing_lost(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.pop("DATABASE_URL", None)
    env.update(
        {"DJANGO_DEBUG": "1", "DJANGO_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings"}
    )
    result = subprocess.run(
        [sys.executable, "tests/sqlite_racing_pairs.py", str(PAIRS)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["errors"] == [] and outcome["journal_mode"] == "wal"
    assert len(outcome["pairs"]) == len(outcome["kept"]) == PAIRS
    for answers, kept in zip(outcome["pairs"], outcome["kept"], strict=True):
        # Both opened version 1; exactly one was saved, the other told and given its note back.
        assert [answers[who]["opened"] for who in ("zhang", "li")] == [1, 1]
        statuses = sorted(answer["status"] for answer in answers.values())
        assert statuses == [302, 409], answers
        (loser,) = [who for who, answer in answers.items() if answer["status"] == 409]
        (winner,) = [who for who, answer in answers.items() if answer["status"] == 302]
        assert answers[loser]["told"] and answers[loser]["note_kept"]
        assert kept == {"status": "in_progress", "version": 2, "notes": [f"{winner}写的说明"]}


@pytest.mark.django_db
def test_the_second_of_two_status_moves_from_the_same_version_is_told_of_the_conflict(
    staff_client, other_staff_client, item, lead_unit
):
    """Sequentially, on any database: both opened version 1 of a not-started item; the first
    moves it to in progress. The second, sending the same move, is told that the item
    changed (409), sees the current state and keeps the note, rather than being told that
    "in progress" is not a choice (which it no longer is, for an item now in progress)."""
    from tracker.models import Membership, ProgressUpdate

    Membership.objects.create(user=other_staff_client.user, unit=lead_unit)
    url = item.get_absolute_url()
    first = staff_client.post(url, {"note": "张三：已启动", "status": "in_progress", "version": 1})
    assert first.status_code == 302
    second = other_staff_client.post(
        url, {"note": "李四写了很久的说明", "status": "in_progress", "version": 1}
    )
    page = second.content.decode()
    assert second.status_code == 409
    assert "已更新此事项" in page
    assert "李四写了很久的说明</textarea>" in page
    assert "张三：已启动" in page  # the current state, with the other person's entry
    assert 'name="version" value="2"' in page
    assert list(ProgressUpdate.objects.values_list("note", flat=True)) == ["张三：已启动"]
