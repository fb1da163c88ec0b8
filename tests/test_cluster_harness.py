"""The browser of ``make cluster-test`` (deploy/cluster/cluster_test.py) against the real app
on the test's live server: it logs in through the login form with its CSRF token, posts a
progress note with a file as the item page's multipart form, and reads workbooks. Nothing of
the cluster is built here (that needs root and takes a minute: ``make cluster-test``); this
keeps its client in step with the app's forms."""

import hashlib
import importlib.util
import io
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.factories import StaffFactory
from tracker.models import Evidence, ProgressUpdate

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db(transaction=True)


def _load_script():
    spec = importlib.util.spec_from_file_location(
        "cluster_test", ROOT / "deploy" / "cluster" / "cluster_test.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


cluster_test = _load_script()


def browser_at(live_server):
    return cluster_test.Browser(live_server.url.removeprefix("http://"))


def test_logs_in_through_the_form_and_saves_a_note_with_a_file(live_server, item, lead_unit):
    StaffFactory(username="clerk", units=[lead_unit], password="clerk-demo-2020")
    browser = browser_at(live_server)
    browser.login("clerk")
    content = cluster_test.sample_pdf("harness")

    answer = cluster_test.add_note(
        browser, item.pk, "（集群测试）经由表单保存", [("files", "cluster.pdf", content, "application/pdf")]
    )

    assert answer.status == 302
    assert answer.location == f"/items/{item.pk}/"
    update = ProgressUpdate.objects.get(item=item, note="（集群测试）经由表单保存")
    evidence = Evidence.objects.get(update=update)
    assert evidence.original_name == "cluster.pdf"
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert "（集群测试）经由表单保存" in browser.get(f"/items/{item.pk}/").text


def test_a_refused_login_fails_the_check(live_server, lead_unit):
    StaffFactory(username="clerk", units=[lead_unit], password="another-password-2020")
    browser = browser_at(live_server)

    with pytest.raises(cluster_test.CheckFailed, match="clerk could not log in"):
        browser.login("clerk")
    assert "sessionid" not in browser.cookies


def test_a_note_with_another_token_is_refused_and_not_saved(live_server, item, lead_unit):
    """The harness passes CSRF as a browser does, not around it: a token other than the
    cookie's is refused."""
    StaffFactory(username="clerk", units=[lead_unit], password="clerk-demo-2020")
    browser = browser_at(live_server)
    browser.login("clerk")
    version = cluster_test.form_version(browser.get(f"/items/{item.pk}/"))

    answer = browser.post(
        f"/items/{item.pk}/", {"csrfmiddlewaretoken": "x" * 32, "note": "不应保存", "version": version}
    )

    assert answer.status == 403
    assert not ProgressUpdate.objects.filter(note="不应保存").exists()


def _workbook(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_workbooks_compare_by_their_cells():
    same = cluster_test.workbook_cells(_workbook([["序号", "事项"], [1, "工作任务"]]))

    assert same == cluster_test.workbook_cells(_workbook([["序号", "事项"], [1, "工作任务"]]))
    assert same != cluster_test.workbook_cells(_workbook([["序号", "事项"], [2, "工作任务"]]))
    assert cluster_test.workbook_cells(b"PK not a workbook") is None
