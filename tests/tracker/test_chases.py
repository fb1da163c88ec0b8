"""催办: the office or a leader chases one item or the ticked ones with a note; the lead unit's
staff get a message, the chat groups a push, the history an entry; the count is shown on the
item, in the list and its files, and by unit; each chase prints as a 督办通知单 (DOCX)."""

import io

import pytest
from django.urls import reverse
from docx import Document

from reports.scoreboard import unit_scoreboard
from tests.factories import ItemFactory
from tests.tracker.steering import ROLES, assert_status
from tracker.choices import MessageKind
from tracker.models import Chase, Message, ProgressUpdate, Push, PushTarget
from tracker.services import items_chase

pytestmark = pytest.mark.django_db

CHASE = {"anonymous": "login", "other": 404, "lead": 403, "coop": 403, "leader": 302, "reviewer": 302}


def chase_url(item):
    return reverse("tracker:item_chase", args=[item.pk])


@pytest.mark.parametrize("role", ROLES)
def test_leaders_and_reviewers_chase_an_item(clients, item, role):
    response = clients[role].post(chase_url(item), {"chase-note": "请本周内报送进展"})
    assert_status(response, CHASE[role])
    assert Chase.objects.exists() == (CHASE[role] == 302)


def test_a_chase_tells_the_lead_units_staff_records_the_history_and_pushes(
    reviewer_client, staff_client, coop_staff_client, other_staff_client, item
):
    PushTarget.objects.create(name="县法治办群", kind="wecom", url="http://127.0.0.1:9/hook")
    reviewer_client.post(chase_url(item), {"chase-note": "请本周内报送进展"})
    chase = Chase.objects.get()
    assert (chase.item, chase.author, chase.note) == (item, reviewer_client.user, "请本周内报送进展")
    entry = ProgressUpdate.objects.get(kind="chased")
    assert entry.note == "请本周内报送进展" and chase.update == entry
    told = Message.objects.filter(kind=MessageKind.CHASED)
    assert [message.recipient for message in told] == [staff_client.user]
    push = Push.objects.get()
    assert (
        push.event == "chased"
        and "全面推行法律风险防控制度" in push.title
        and "请本周内报送进展" in push.text
    )
    page = staff_client.get(item.get_absolute_url()).content.decode()
    assert 'data-testid="chase-count">1<' in page and "请本周内报送进展" in page
    assert reverse("chase_notice", args=[chase.pk]) in page
    assert "催办要求" not in page  # staff see the chases, not the form


def test_an_empty_note_is_refused_on_the_page_and_nothing_is_written(reviewer_client, item):
    response = reviewer_client.post(chase_url(item), {"chase-note": "  "})
    assert response.status_code == 400
    assert "请写明要求单位办理的事项。" in response.content.decode()
    assert not Chase.objects.exists() and not ProgressUpdate.objects.filter(kind="chased").exists()


def test_the_list_chases_the_ticked_items_all_or_none(leader_client, staff_client, item, lead_unit):
    second = ItemFactory(report=item.report, lead_unit=lead_unit, title="规范行政执法行为")
    done = ItemFactory(report=item.report, lead_unit=lead_unit, title="已经完成的任务", status="done")
    url = reverse("tracker:bulk_chase")
    refused = leader_client.post(url, {"items": [item.pk, done.pk], "note": "抓紧"}, follow=True)
    assert "“已经完成的任务”不能催办" in refused.content.decode() and not Chase.objects.exists()
    back = leader_client.post(
        url, {"items": [item.pk, second.pk], "note": "抓紧", "next": "/items/?year=2020"}
    )
    assert back.status_code == 302 and back["Location"] == "/items/?year=2020"
    assert sorted(Chase.objects.values_list("item__title", flat=True)) == [
        "全面推行法律风险防控制度",
        "规范行政执法行为",
    ]
    assert Message.objects.filter(kind=MessageKind.CHASED, recipient=staff_client.user).count() == 2


def test_the_list_offers_leaders_the_tick_boxes_to_chase(leader_client, item):
    page = leader_client.get(reverse("tracker:items"), {"year": 2020}).content.decode()
    assert 'name="items"' in page and "催办勾选事项" in page and "批量分工" not in page


def test_a_closed_years_item_cannot_be_chased(reviewer_client, item):
    item.report.state = "closed"
    item.report.save()
    response = reviewer_client.post(chase_url(item), {"chase-note": "抓紧"})
    assert response.status_code == 400 and "已关闭" in response.content.decode()
    assert not Chase.objects.exists()


def test_counts_on_the_list_its_files_and_the_scoreboard(reviewer_client, leader_client, item, lead_unit):
    items_chase(items=[item], user=reviewer_client.user, note="第一次")
    items_chase(items=[item], user=leader_client.user, note="第二次")
    page = reviewer_client.get(reverse("tracker:items"), {"year": 2020}).content.decode()
    assert '<span class="badge text-bg-warning">2</span>' in page
    csv = reviewer_client.get(reverse("tracker:items"), {"year": 2020, "_export": "csv"})
    lines = b"".join(csv.streaming_content).decode("utf-8-sig").splitlines()
    header, row = lines[0].split(","), lines[1].split(",")
    assert row[header.index("催办次数")] == "2"
    (justice,) = [row for row in unit_scoreboard(year=2020) if row.unit == lead_unit]
    assert justice.figures.chased == 2
    board = reviewer_client.get(reverse("scoreboard")).content.decode()
    assert 'data-chased="2"' in board


def test_the_item_page_reads_its_chases_with_the_history(
    reviewer_client, item, django_assert_max_num_queries
):
    reviewer_client.get(item.get_absolute_url())
    with django_assert_max_num_queries(30) as before:
        reviewer_client.get(item.get_absolute_url())
    for n in range(3):
        items_chase(items=[item], user=reviewer_client.user, note=f"第{n}次")
    with django_assert_max_num_queries(len(before.captured_queries)):
        page = reviewer_client.get(item.get_absolute_url()).content.decode()
    assert 'data-testid="chase-count">3<' in page


def test_the_chase_notice_is_a_numbered_official_paper(
    reviewer_client, staff_client, other_staff_client, item
):
    item.report.issuer = "新乡县人民政府"
    item.report.save()
    first, second = (
        items_chase(items=[item], user=reviewer_client.user, note=note)[0] for note in ("请报送", "再催")
    )
    assert (first.number, second.number) == (1, 2)
    response = staff_client.get(reverse("chase_notice", args=[second.pk]))
    assert response.status_code == 200
    assert "%E7%9D%A3%E5%8A%9E%E9%80%9A%E7%9F%A5%E5%8D%95-2020-2.docx" in response["Content-Disposition"]
    document = Document(io.BytesIO(b"".join(response.streaming_content)))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [cell.text for row in document.tables[0].rows for cell in row.cells]
    assert "督办通知单" in text and "督办〔2020〕第2号" in text and "县司法局：" in text
    assert "新乡县人民政府" in text
    assert cells[:2] == ["督办事项", "全面推行法律风险防控制度"] and "再催" in cells
    assert other_staff_client.get(reverse("chase_notice", args=[second.pk])).status_code == 404
