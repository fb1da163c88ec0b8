"""Submitting for review in one step (issue 14, point 3): the item page's "提交审核" with the
note and the files of that submission; what the reviewer reads of it (the queue, the item
page); a returned item's reason at the top of its page and on the unit's home; resubmission.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import AnnualReportFactory, ItemFactory
from tracker.models import Evidence, Item, ProgressUpdate
from tracker.services import item_add_progress, item_review, item_submit

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "other", "lead", "coop", "leader", "reviewer"]


def submit_url(item) -> str:
    return reverse("tracker:item_submit", args=[item.pk])


def post_submit(client, item, note="已完成，请审核", files=(), version=None):
    data = {"submit-note": note, "submit-version": item.version if version is None else version}
    if files:
        data["submit-files"] = list(files)
    return client.post(submit_url(item), data)


def evidence_on_disk() -> set[Path]:
    """The evidence files in storage (other tests' files too: compare before and after)."""
    folder = Path(settings.MEDIA_ROOT) / "evidence"
    return {path for path in folder.rglob("*") if path.is_file()} if folder.exists() else set()


def returned(item, staff, reviewer, reason="缺少会议纪要"):
    """``item`` submitted by ``staff`` and returned by ``reviewer`` with ``reason``."""
    item_submit(item=item, user=staff, note="第一次提交", expected_version=item.version)
    item_review(item=item, user=reviewer, decision="return", comment=reason)
    item.refresh_from_db()
    return item


# -- one step ------------------------------------------------------------------------------


@pytest.mark.parametrize("start", ["not_started", "in_progress", "returned"])
def test_submitting_is_one_step_from_every_open_status_with_its_own_note_and_files(
    staff_client, item, pdf, start
):
    Item.objects.filter(pk=item.pk).update(status=start)
    item.refresh_from_db()
    response = post_submit(staff_client, item, note="已召开专题会议，请审核", files=[pdf("会议纪要.pdf")])
    assert response.status_code == 302 and response.url == item.get_absolute_url()
    item.refresh_from_db()
    assert (item.status, item.version) == ("submitted", 2) and item.submitted_at is not None
    update = ProgressUpdate.objects.get(item=item)  # one entry: the submission itself
    assert (update.status_from, update.status_to) == (start, "submitted")
    assert update.note == "已召开专题会议，请审核" and update.author == staff_client.user
    assert [e.original_name for e in update.evidence.all()] == ["会议纪要.pdf"]
    page = staff_client.get(item.get_absolute_url()).content.decode()
    assert "已提交审核：全面推行法律风险防控制度" in page
    assert "已召开专题会议，请审核" in page and "会议纪要.pdf" in page


def test_the_item_page_offers_submission_as_its_own_action_and_the_progress_form_never_submits(
    staff_client, item
):
    Item.objects.filter(pk=item.pk).update(status="in_progress")
    page = staff_client.get(item.get_absolute_url()).content.decode()
    submit_card = page[page.index('id="submit"') : page.index('id="progress"')]
    assert f'action="{submit_url(item)}"' in submit_card and 'name="submit-note"' in submit_card
    assert 'name="submit-files"' in submit_card and "提交审核</button>" in submit_card
    progress = page[page.index('id="progress"') :]
    assert 'value="submitted"' not in progress
    assert 'name="status"' not in progress  # in progress: the form offers no move at all


def test_a_submission_needs_a_note_and_writes_nothing_without_one(staff_client, item, pdf):
    files = evidence_on_disk()
    response = post_submit(staff_client, item, note="  ", files=[pdf()])
    assert response.status_code == 400
    assert "请说明完成情况" in response.content.decode()
    item.refresh_from_db()
    assert item.status == "not_started" and not ProgressUpdate.objects.exists()
    assert not Evidence.objects.exists() and evidence_on_disk() == files


SUBMIT = {"anonymous": "login", "other": 404, "lead": 302, "coop": 403, "leader": 403, "reviewer": 302}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_submit(clients, item, role):
    response = post_submit(clients[role], item)
    if SUBMIT[role] == "login":
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    else:
        assert response.status_code == SUBMIT[role]
    item.refresh_from_db()
    assert (item.status == "submitted") == (SUBMIT[role] == 302)


def test_a_cooperating_unit_records_progress_but_gets_no_submission_form(coop_staff_client, item):
    page = coop_staff_client.get(item.get_absolute_url()).content.decode()
    assert 'name="note"' in page and 'name="submit-note"' not in page


def test_a_submitted_or_done_item_offers_no_submission(staff_client, item):
    for status in ("submitted", "done"):
        Item.objects.filter(pk=item.pk).update(status=status)
        page = staff_client.get(item.get_absolute_url()).content.decode()
        assert 'name="submit-note"' not in page
    response = post_submit(staff_client, Item.objects.get(pk=item.pk))
    assert response.status_code == 400 and "不能提交审核" in response.content.decode()
    assert not ProgressUpdate.objects.exists()


def test_a_closed_year_refuses_a_submission(staff_client, lead_unit):
    item = ItemFactory(report=AnnualReportFactory(year=2019, state="closed"), lead_unit=lead_unit)
    assert 'name="submit-note"' not in staff_client.get(item.get_absolute_url()).content.decode()
    response = post_submit(staff_client, item)
    assert response.status_code == 400 and "已关闭" in response.content.decode()
    item.refresh_from_db()
    assert item.status == "not_started" and not ProgressUpdate.objects.exists()


# -- conflicts and failures ----------------------------------------------------------------


def test_a_submission_from_a_stale_page_is_answered_409_with_the_note_kept(
    staff_client, coop_staff_client, item, pdf
):
    coop_staff_client.post(item.get_absolute_url(), {"note": "财政局先写了进展", "version": 1})
    files = evidence_on_disk()
    response = post_submit(staff_client, item, note="我写了很久的完成情况", files=[pdf()], version=1)
    content = response.content.decode()
    assert response.status_code == 409
    assert "已更新此事项" in content
    assert "我写了很久的完成情况</textarea>" in content  # kept in the submission form
    assert 'name="submit-version" value="2"' in content
    assert "财政局先写了进展" in content  # the item as it is now
    item.refresh_from_db()
    assert (item.status, item.version) == ("not_started", 2)
    assert not ProgressUpdate.objects.filter(status_to="submitted").exists()
    assert Evidence.objects.count() == 0 and evidence_on_disk() == files


def test_a_submission_after_someone_else_submitted_keeps_the_note_in_the_progress_form(
    staff_client, reviewer_client, item
):
    item_submit(item=item, user=reviewer_client.user, note="法治办代为提交", expected_version=1)
    response = post_submit(staff_client, item, note="单位的说明", version=1)
    content = response.content.decode()
    assert response.status_code == 409 and "已更新此事项" in content
    assert "单位的说明</textarea>" in content and 'name="submit-note"' not in content
    assert ProgressUpdate.objects.filter(status_to="submitted").count() == 1


def test_a_submission_that_fails_midway_writes_nothing(monkeypatch, staff_client, item, pdf):
    real_create = Evidence.objects.create
    calls = []

    def create(**kwargs):
        calls.append(kwargs["original_name"])  # the file is in storage by now
        raise DatabaseError("disk I/O error")

    monkeypatch.setattr(Evidence.objects, "create", create)
    files = evidence_on_disk()
    staff_client.raise_request_exception = False
    post_submit(staff_client, item, files=[pdf("纪要.pdf")])
    monkeypatch.setattr(Evidence.objects, "create", real_create)
    assert calls == ["纪要.pdf"]
    item.refresh_from_db()
    assert (item.status, item.version, item.submitted_at) == ("not_started", 1, None)
    assert not ProgressUpdate.objects.exists() and not Evidence.objects.exists()
    assert evidence_on_disk() == files  # the file saved before the fault was removed again


def test_a_storage_that_refuses_the_files_keeps_the_note(monkeypatch, staff_client, item, pdf):
    from django.core.files.storage import default_storage

    def full(name, content, max_length=None):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(default_storage, "save", full)
    response = post_submit(staff_client, item, note="请审核附件", files=[pdf()])
    content = response.content.decode()
    assert response.status_code == 503
    assert "佐证材料未能保存" in content and "请审核附件</textarea>" in content
    item.refresh_from_db()
    assert item.status == "not_started" and not ProgressUpdate.objects.exists()


# -- what the reviewer reads ---------------------------------------------------------------


@pytest.fixture
def submitted_with_history(item, staff_client, pdf):
    """Progress with a file first, then a submission with a file of its own."""
    item_add_progress(
        item=item, user=staff_client.user, note="先传的材料", files=[pdf("进展材料.pdf")], expected_version=1
    )
    item.refresh_from_db()
    item_submit(
        item=item, user=staff_client.user, note="整改完毕", files=[pdf("验收报告.pdf")], expected_version=2
    )
    item.refresh_from_db()
    return item


def review_card(page: str) -> str:
    start = page.index('id="review"')
    return page[start : page.index("</form>", start)]


def queue_card(page: str, item) -> str:
    start = page.index(f'data-item="{item.pk}"')
    return page[start : page.index("</form>", start)]


def test_the_reviewer_reads_the_submissions_note_and_files_and_the_items_other_evidence(
    reviewer_client, submitted_with_history
):
    item = submitted_with_history
    for card in (
        queue_card(reviewer_client.get(reverse("tracker:review")).content.decode(), item),
        review_card(reviewer_client.get(item.get_absolute_url()).content.decode()),
    ):
        assert "整改完毕" in card and "验收报告.pdf" in card
        assert "本事项其他佐证材料 1 份" in card and "进展材料.pdf" in card
        assert card.index("验收报告.pdf") < card.index("本事项其他佐证材料")
        assert "未附佐证材料" not in card and "先传的材料" not in card


def test_a_submission_without_files_of_its_own_points_to_the_evidence_already_there(
    reviewer_client, staff_client, item, pdf
):
    item_add_progress(
        item=item, user=staff_client.user, note="附件", files=[pdf("方案.pdf")], expected_version=1
    )
    item_submit(item=Item.objects.get(pk=item.pk), user=staff_client.user, note="请审核", expected_version=2)
    card = queue_card(reviewer_client.get(reverse("tracker:review")).content.decode(), item)
    assert "本次提交未另附文件" in card and "方案.pdf" in card
    assert "未附佐证材料" not in card


def test_no_evidence_is_said_only_when_the_item_has_no_file_at_all(reviewer_client, staff_client, item):
    item_submit(item=item, user=staff_client.user, note="请审核", expected_version=1)
    for card in (
        queue_card(reviewer_client.get(reverse("tracker:review")).content.decode(), item),
        review_card(reviewer_client.get(item.get_absolute_url()).content.decode()),
    ):
        assert "未附佐证材料" in card and "本次提交未另附文件" not in card


def test_the_review_queue_makes_as_many_queries_for_twenty_items_as_for_two(
    reviewer_client, staff_client, lead_unit, pdf
):
    report = AnnualReportFactory(year=2020)

    def add(count):
        for _ in range(count):
            item = ItemFactory(report=report, lead_unit=lead_unit)
            item_add_progress(
                item=item, user=staff_client.user, note="过程", files=[pdf()], expected_version=1
            )
            item_submit(item=item, user=staff_client.user, note="请审核", files=[pdf()], expected_version=2)

    counts = []
    for count in (2, 18):
        add(count)
        reviewer_client.get(reverse("tracker:review"))  # the queue's count cached, as between views
        with CaptureQueriesContext(connection) as queries:
            page = reviewer_client.get(reverse("tracker:review")).content.decode()
        counts.append(len(queries))
    assert page.count("本事项其他佐证材料 1 份") == 20
    assert counts[0] == counts[1]


# -- returned, and resubmitted -------------------------------------------------------------


def test_a_returned_item_shows_the_reason_who_and_when_at_the_top_of_its_page(
    staff_client, reviewer_client, item
):
    returned(item, staff_client.user, reviewer_client.user, reason="缺少会议纪要，请补充")
    page = staff_client.get(item.get_absolute_url()).content.decode()
    alert = page[page.index('id="returned"') : page.index("</div>\n</div>", page.index('id="returned"'))]
    assert "已退回，审核意见" in alert and "缺少会议纪要，请补充" in alert
    assert reviewer_client.user.get_full_name() in alert
    assert page.index('id="returned"') < page.index("原文")  # above the source text
    assert 'href="#submit"' in alert  # and the way to resubmit


def test_the_reason_goes_once_the_item_is_resubmitted(staff_client, reviewer_client, item):
    returned(item, staff_client.user, reviewer_client.user)
    item_submit(item=item, user=staff_client.user, note="已补充纪要", expected_version=item.version)
    assert 'id="returned"' not in staff_client.get(item.get_absolute_url()).content.decode()


def test_the_lead_units_home_shows_the_return_reason_who_and_when(staff_client, reviewer_client, item):
    returned(item, staff_client.user, reviewer_client.user, reason="缺少会议纪要，请补充")
    page = staff_client.get(reverse("home")).content.decode()
    box = page[page.index("退回本单位") : page.index("最近更新")]
    assert "全面推行法律风险防控制度" in box and "缺少会议纪要，请补充" in box
    assert reviewer_client.user.get_full_name() in box


def test_the_home_page_reads_return_reasons_in_one_query_however_many(
    staff_client, reviewer_client, lead_unit
):
    report = AnnualReportFactory(year=2020)
    counts = []
    for count in (1, 6):
        for _ in range(count):
            returned(ItemFactory(report=report, lead_unit=lead_unit), staff_client.user, reviewer_client.user)
        staff_client.get(reverse("home"))
        with CaptureQueriesContext(connection) as queries:
            page = staff_client.get(reverse("home")).content.decode()
        counts.append(len(queries))
    assert page.count("缺少会议纪要") == 7
    assert counts[0] == counts[1]


def test_a_returned_item_is_resubmitted_in_one_step_and_approved(staff_client, reviewer_client, item, pdf):
    returned(item, staff_client.user, reviewer_client.user)
    response = post_submit(staff_client, item, note="已补充会议纪要", files=[pdf("会议纪要.pdf")])
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "submitted"
    resubmission = ProgressUpdate.objects.filter(item=item).order_by("-pk").first()
    assert (resubmission.status_from, resubmission.status_to) == ("returned", "submitted")
    card = queue_card(reviewer_client.get(reverse("tracker:review")).content.decode(), item)
    assert "已补充会议纪要" in card and "会议纪要.pdf" in card and "第一次提交" not in card
    reviewer_client.post(
        reverse("tracker:item_review", args=[item.pk]), {"decision": "approve", "version": item.version}
    )
    item.refresh_from_db()
    assert item.status == "done"
