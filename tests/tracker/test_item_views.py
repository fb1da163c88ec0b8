"""Item list, item page, progress form, evidence download and exports, as people use them.

The permission table of DESIGN.md, cell by cell: anonymous, staff of another unit, staff of
the lead unit, staff of a cooperating unit, leader, reviewer.
"""

import csv
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import AnnualReportFactory, ItemFactory, UnitFactory
from tracker.models import Evidence, Item, ProgressUpdate
from tracker.services import item_add_progress

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "other", "lead", "coop", "leader", "reviewer"]


@pytest.fixture
def evidence(item, pdf, staff_client):
    update = item_add_progress(
        item=item, user=staff_client.user, note="附件", files=[pdf()], expected_version=1
    )
    item.refresh_from_db()
    return update.evidence.get()


def assert_login_redirect(response):
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# -- the permission table ------------------------------------------------------------------

PAGE = {"anonymous": "login", "other": 404, "lead": 200, "coop": 200, "leader": 200, "reviewer": 200}


@pytest.mark.parametrize("role", ROLES)
def test_item_page(clients, item, role):
    response = clients[role].get(item.get_absolute_url())
    if PAGE[role] == "login":
        assert_login_redirect(response)
    else:
        assert response.status_code == PAGE[role]
    if PAGE[role] == 200:
        assert "全面推行法律风险防控制度" in response.content.decode()


# A note: lead, cooperating and reviewer; a leader changes nothing; another unit never sees it.
NOTE = {"anonymous": "login", "other": 404, "lead": 302, "coop": 302, "leader": 403, "reviewer": 302}


@pytest.mark.parametrize("role", ROLES)
def test_progress_note_post(clients, item, role):
    response = clients[role].post(
        item.get_absolute_url(), {"note": "本周完成自查", "status": "", "version": 1}
    )
    if NOTE[role] == "login":
        assert_login_redirect(response)
    else:
        assert response.status_code == NOTE[role]
    assert ProgressUpdate.objects.filter(item=item).exists() == (NOTE[role] == 302)


STATUS = {"anonymous": "login", "other": 404, "lead": 302, "coop": 403, "leader": 403, "reviewer": 302}


@pytest.mark.parametrize("role", ROLES)
def test_status_change_post(clients, item, role):
    response = clients[role].post(
        item.get_absolute_url(), {"note": "", "status": "in_progress", "version": 1}
    )
    if STATUS[role] == "login":
        assert_login_redirect(response)
    else:
        assert response.status_code == STATUS[role], response.content.decode()[:500]
    item.refresh_from_db()
    assert (item.status == "in_progress") == (STATUS[role] == 302)


@pytest.mark.parametrize("role", ROLES)
def test_evidence_download(clients, evidence, role):
    response = clients[role].get(reverse("tracker:evidence", args=[evidence.pk]))
    expected = {"anonymous": "login", "other": 404}.get(role, 200)
    if expected == "login":
        assert_login_redirect(response)
        return
    assert response.status_code == expected
    if expected == 200:
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert "filename*=utf-8''%E4%BD%90%E8%AF%81%E6%9D%90%E6%96%99.pdf" in disposition
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"


LISTED = {"other": False, "lead": True, "coop": True, "leader": True, "reviewer": True}


@pytest.mark.parametrize("role", ROLES)
def test_item_list(clients, item, role):
    response = clients[role].get(reverse("tracker:items"), {"scope": "all"})
    if role == "anonymous":
        assert_login_redirect(response)
        return
    assert response.status_code == 200
    assert (item.title in response.content.decode()) == LISTED[role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export(clients, item, role, fmt):
    response = clients[role].get(reverse("tracker:items"), {"scope": "all", "_export": fmt})
    if role == "anonymous":
        assert_login_redirect(response)
        return
    assert response.status_code == 200
    titles = [row[4] for row in (read_csv(response) if fmt == "csv" else read_xlsx(response))[1:]]
    assert (item.title in titles) == LISTED[role]


def test_staff_see_their_units_led_items_by_default_and_widen_with_the_switch(coop_staff_client, item):
    default = coop_staff_client.get(reverse("tracker:items")).content.decode()
    assert item.title not in default
    assert "全部可见" in default
    widened = coop_staff_client.get(reverse("tracker:items"), {"scope": "all"}).content.decode()
    assert item.title in widened


# -- the list ------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def read_xlsx(response) -> list[list]:
    data = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def many(lead_unit, other_unit):
    report = AnnualReportFactory(year=2021)
    ItemFactory(report=report, lead_unit=lead_unit, title="规范性文件审查", status="in_progress", kind="task")
    ItemFactory(report=report, lead_unit=other_unit, title="市场监管执法", status="done", kind="task")
    ItemFactory(
        report=report, lead_unit=lead_unit, title="执法人员不足", status="submitted", kind="shortfall"
    )
    return report


def test_filters_and_search_narrow_the_rows(reviewer_client, many, lead_unit):
    url = reverse("tracker:items")
    content = reviewer_client.get(url, {"q": "执法"}).content.decode()
    assert "市场监管执法" in content and "执法人员不足" in content and "规范性文件审查" not in content
    content = reviewer_client.get(url, {"lead_unit": lead_unit.pk, "kind": "shortfall"}).content.decode()
    assert "执法人员不足" in content and "规范性文件审查" not in content
    content = reviewer_client.get(url, {"status": "done"}).content.decode()
    assert "市场监管执法" in content and "执法人员不足" not in content


def test_status_chips_count_the_filtered_rows_and_link_to_the_status(reviewer_client, many):
    content = reviewer_client.get(reverse("tracker:items"), {"year": 2021}).content.decode()
    chips = dict(
        re.findall(
            r'href="\?year=2021&amp;status=(\w+)">[^<]+<span class="badge text-bg-light">(\d+)', content
        )
    )
    assert chips == {"not_started": "0", "in_progress": "1", "submitted": "1", "returned": "0", "done": "1"}
    assert "共 3 项" in content


def test_overdue_filter_and_flag(reviewer_client, lead_unit):
    from datetime import timedelta

    from django.utils import timezone

    past = timezone.localdate() - timedelta(days=3)
    ItemFactory(lead_unit=lead_unit, title="逾期未办", due_on=past, status="in_progress")
    ItemFactory(lead_unit=lead_unit, title="逾期已办", due_on=past, status="done")
    content = reviewer_client.get(
        reverse("tracker:items"), {"overdue": "yes", "year": "all"}
    ).content.decode()
    assert "逾期未办" in content and "逾期已办" not in content
    assert 'text-bg-danger">逾期</span>' in content


def test_filter_form_starts_on_the_newest_year_with_nothing_else_chosen(reviewer_client, many):
    ItemFactory(report=AnnualReportFactory(year=2019), title="往年事项")
    content = reviewer_client.get(reverse("tracker:items")).content.decode()
    year = re.search(r'<select[^>]*name="year"[^>]*>(.*?)</select>', content, re.S).group(1)
    assert re.findall(r'<option value="(\w+)"( selected)?>', year) == [
        ("all", ""),
        ("2021", " selected"),
        ("2019", ""),
    ]
    for name in ("lead_unit", "cooperating_unit", "area", "kind", "overdue"):
        select = re.search(
            rf'<select[^>]*name="{name}"[^>]*>\s*<option value="(\w*)"[^>]*>([^<]*)</option>', content
        )
        assert select.groups() == ("", "全部"), name
    assert "共 3 项" in content and "往年事项" not in content
    everything = reviewer_client.get(reverse("tracker:items"), {"year": "all"}).content.decode()
    assert "共 4 项" in everything and "往年事项" in everything


def test_bad_filter_values_answer_200_with_no_rows(reviewer_client, many):
    response = reviewer_client.get(
        reverse("tracker:items"), {"lead_unit": "x<script>", "due_after": "not-a-date"}
    )
    assert response.status_code == 200
    assert "<script>" not in response.content.decode()


def test_sorting_by_deadline(reviewer_client, lead_unit):
    from datetime import date

    ItemFactory(lead_unit=lead_unit, title="晚", due_on=date(2030, 1, 1))
    ItemFactory(lead_unit=lead_unit, title="早", due_on=date(2029, 1, 1))
    content = reviewer_client.get(
        reverse("tracker:items"), {"sort": "due_on", "year": "all"}
    ).content.decode()
    assert content.index(">早<") < content.index(">晚<")


def test_csv_begins_with_a_bom_and_neutralises_formulas(reviewer_client, lead_unit):
    ItemFactory(lead_unit=lead_unit, title="=1+1", text="@SUM(A1)")
    rows = read_csv(reviewer_client.get(reverse("tracker:items"), {"_export": "csv"}))
    assert rows[0][:5] == ["编号", "年度", "领域", "类型", "事项名称"]
    assert rows[1][4] == "'=1+1"
    assert rows[1][-1] == "'@SUM(A1)"


def test_xlsx_keeps_formula_looking_text_as_text(reviewer_client, lead_unit):
    ItemFactory(lead_unit=lead_unit, title="=1+1")
    response = reviewer_client.get(reverse("tracker:items"), {"_export": "xlsx"})
    data = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.freeze_panes == "A2"
    assert sheet["E2"].value == "=1+1" and sheet["E2"].data_type == "s"


def test_export_has_exactly_the_filtered_rows(reviewer_client, many, lead_unit):
    rows = read_csv(
        reviewer_client.get(reverse("tracker:items"), {"_export": "csv", "lead_unit": lead_unit.pk})
    )
    assert sorted(row[4] for row in rows[1:]) == ["执法人员不足", "规范性文件审查"]


@pytest.mark.parametrize("client_fixture", ["reviewer_client", "staff_client"])
def test_list_and_export_query_counts_do_not_grow_with_rows(
    request, client_fixture, lead_unit, django_assert_max_num_queries
):
    client = request.getfixturevalue(client_fixture)
    report = AnnualReportFactory(year=2022)
    helpers = [UnitFactory(), UnitFactory()]

    def add(n):
        for item in ItemFactory.create_batch(n, report=report, lead_unit=lead_unit):
            item.cooperating_units.add(*helpers)

    url = reverse("tracker:items")
    # A reviewer's list also carries the bulk assignment form (units twice, people).
    # +1 each: the person's government (issue 19).
    page_limit = 16 if client_fixture == "reviewer_client" else 13
    for rows in (3, 27):
        add(rows)
        with django_assert_max_num_queries(page_limit):
            assert client.get(url).status_code == 200
        with django_assert_max_num_queries(9):
            read_csv(client.get(url, {"_export": "csv"}))
        with django_assert_max_num_queries(9):
            read_xlsx(client.get(url, {"_export": "xlsx"}))


def test_list_row_shows_each_rows_own_cooperating_units_in_unit_order(reviewer_client, lead_unit):
    report = AnnualReportFactory(year=2022)
    first = UnitFactory(name="县财政局", short_name="财政局", order=1)
    second = UnitFactory(name="县人力资源和社会保障局", short_name="", order=2)
    helped = ItemFactory(report=report, lead_unit=lead_unit, title="落实执法经费保障")
    helped.cooperating_units.add(second, first)
    ItemFactory(report=report, lead_unit=lead_unit, title="清理规范性文件")

    page = reviewer_client.get(reverse("tracker:items")).content.decode()
    rows = {
        title: row
        for row in re.split(r"<tr\b[^>]*>", page)
        for title in ("落实执法经费保障", "清理规范性文件")
        if title in row
    }
    assert re.search(r"<td[^>]*>财政局、县人力资源和社会保障局</td>", rows["落实执法经费保障"])
    assert "财政局" not in rows["清理规范性文件"]
    # Exports give the full names, in the same order.
    for read, fmt in ((read_csv, "csv"), (read_xlsx, "xlsx")):
        exported = read(reviewer_client.get(reverse("tracker:items"), {"_export": fmt}))
        column = exported[0].index("配合单位")
        by_title = {row[4]: row[column] for row in exported[1:]}
        assert by_title["落实执法经费保障"] == "县财政局、县人力资源和社会保障局", fmt
        assert by_title["清理规范性文件"] in ("", None), fmt


@pytest.mark.parametrize(
    "column", ["year", "area", "kind", "title", "lead_unit", "assignee", "due_on", "status", "updated_at"]
)
def test_list_sorts_by_every_sortable_column_both_ways(reviewer_client, lead_unit, other_unit, column):
    from tests.factories import StaffFactory

    report = AnnualReportFactory(year=2022)
    people = [StaffFactory(username=name, units=[lead_unit]) for name in ("zhao", "qian")]
    for n, (unit, person) in enumerate([(lead_unit, people[0]), (other_unit, people[1]), (None, None)]):
        ItemFactory(
            report=report, lead_unit=unit, assignee=person, title=f"排序事项{n}", status="in_progress"
        )
    for sort in (column, f"-{column}"):
        response = reviewer_client.get(reverse("tracker:items"), {"sort": sort})
        assert response.status_code == 200
        page = response.content.decode()
        positions = [page.index(f"排序事项{n}") for n in range(3)]
        if column == "title":  # the one column whose order these rows fix
            assert positions == sorted(positions, reverse=sort.startswith("-")), sort


# -- the item page -------------------------------------------------------------------------


def test_item_page_shows_path_metrics_links_and_timeline(
    reviewer_client, lead_unit, pdf, django_assert_max_num_queries
):
    from reports.services import report_import
    from tests.samples import XINXIANG

    report = report_import(text=XINXIANG).report
    shortfall = Item.objects.filter(stated_in=report, kind="shortfall").first()
    measure = shortfall.measures.first()
    aid = report.items.get(title="法律援助服务困难群体")
    task = ItemFactory(report=report, section=aid.section, lead_unit=lead_unit, title="法律援助进村")
    item_add_progress(item=task, user=reviewer_client.user, note="第一次", expected_version=1)
    item_add_progress(item=task, user=reviewer_client.user, note="第二次", files=[pdf()], expected_version=2)

    reviewer_client.get(aid.get_absolute_url())  # the reviewer's choice lists cached from here on
    # Everything the page shows, a section path and chases included, and the menu bar's unread
    # count.
    with django_assert_max_num_queries(14):
        content = reviewer_client.get(aid.get_absolute_url()).content.decode()
    assert "六、依法有效化解社会矛盾纠纷" in content and "(四)法律援助服务困难群体" in content
    assert '<mark class="metric">1200余人次</mark>' in content
    assert f"据《{report.title}》已完成" in content  # an achievement: the report's record

    content = reviewer_client.get(task.get_absolute_url()).content.decode()
    assert "(四)法律援助服务困难群体" in content
    assert content.index("第二次") < content.index("第一次")  # newest first
    assert "佐证材料.pdf" in content

    measure_page = reviewer_client.get(measure.get_absolute_url()).content.decode()
    assert shortfall.title in measure_page
    # 2021's work, filed under the outline of the 2020 report that stated it.
    assert "八、工作中存在的问题及建议" in measure_page
    shortfall_page = reviewer_client.get(shortfall.get_absolute_url()).content.decode()
    assert measure.title in shortfall_page and "待整改" in shortfall_page


def test_status_choices_offer_only_the_allowed_moves(staff_client, item):
    content = staff_client.get(item.get_absolute_url()).content.decode()
    options = re.findall(r'<option value="(\w*)"', content)
    assert options == ["", "in_progress"]


def test_cooperating_staff_get_no_status_choice(coop_staff_client, item):
    content = coop_staff_client.get(item.get_absolute_url()).content.decode()
    assert 'name="status"' not in content and 'name="note"' in content


def test_leader_sees_no_progress_form(leader_client, item):
    assert 'name="note"' not in leader_client.get(item.get_absolute_url()).content.decode()


def test_progress_with_two_files_lands_on_the_timeline(staff_client, item, pdf):
    response = staff_client.post(
        item.get_absolute_url(),
        {
            "note": "已召开会议",
            "status": "in_progress",
            "version": 1,
            "files": [pdf("纪要.pdf"), pdf("签到表.pdf")],
        },
        follow=True,
    )
    content = response.content.decode()
    assert "进展已保存" in content
    assert "纪要.pdf" in content and "签到表.pdf" in content
    assert Evidence.objects.count() == 2
    item.refresh_from_db()
    assert item.status == "in_progress"


def test_a_refused_file_keeps_the_note_and_saves_nothing(staff_client, item, pdf):
    response = staff_client.post(
        item.get_absolute_url(),
        {"note": "附上照片", "version": 1, "files": [pdf("照片.jpg", b"%PDF-1.4 not a jpeg")]},
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "内容与 .jpg 格式不符" in content
    assert "附上照片</textarea>" in content
    assert ProgressUpdate.objects.count() == 0


def test_a_stale_form_is_refused_shows_the_current_state_and_keeps_the_note(
    staff_client, coop_staff_client, item
):
    coop_staff_client.post(item.get_absolute_url(), {"note": "财政局先提交", "version": 1})
    response = staff_client.post(
        item.get_absolute_url(), {"note": "我写了很久的说明", "status": "in_progress", "version": 1}
    )
    content = response.content.decode()
    assert response.status_code == 409
    assert "已更新此事项" in content
    assert "我写了很久的说明</textarea>" in content
    assert "财政局先提交" in content  # the current state, including the other person's update
    assert 'name="version" value="2"' in content
    item.refresh_from_db()
    assert (item.status, item.version) == ("not_started", 2)


def test_item_page_query_count_does_not_grow_with_history(
    reviewer_client, item, pdf, django_assert_max_num_queries
):
    url = item.get_absolute_url()
    reviewer_client.get(url)  # the reviewer's choice lists are cached from here on
    version = 1
    for rounds in (1, 8):
        for _ in range(rounds):
            item_add_progress(
                item=Item.objects.get(pk=item.pk),
                user=reviewer_client.user,
                note="进展",
                files=[pdf()],
                expected_version=version,
            )
            version += 1
        # The page, its history, the reviewer's forms (choice lists cached after the first view).
        with django_assert_max_num_queries(13):  # +1: the person's government (issue 19)
            assert reviewer_client.get(url).status_code == 200


def test_item_page_shows_linked_items_both_ways_and_across_years(
    reviewer_client, item, django_assert_max_num_queries
):
    gap = ItemFactory(report=item.report, kind="shortfall", title="基层执法力量不足", status="in_progress")
    measure = ItemFactory(report=item.report, kind="measure", title="充实乡镇执法队伍", status="done")
    measure.addresses.add(gap)
    report_2021 = AnnualReportFactory(year=2021, state="active", previous=item.report)
    carried = ItemFactory(report=report_2021, kind="shortfall", title="基层执法力量仍不足", carried_from=gap)

    reviewer_client.get(gap.get_absolute_url())  # choice lists cached, as on every later view
    with django_assert_max_num_queries(13):  # +1: the person's government (issue 19)
        page = reviewer_client.get(gap.get_absolute_url()).content.decode()
    links = page[page.index("关联事项") :]
    assert f'整改措施: <a href="{measure.get_absolute_url()}">充实乡镇执法队伍</a>' in links
    assert "已完成" in links  # the measure's status
    assert f'结转至 2021: <a href="{carried.get_absolute_url()}">基层执法力量仍不足</a>' in links
    page = reviewer_client.get(measure.get_absolute_url()).content.decode()
    assert f'针对的问题: <a href="{gap.get_absolute_url()}">基层执法力量不足</a>' in page
    page = reviewer_client.get(carried.get_absolute_url()).content.decode()
    assert f'结转自 2020: <a href="{gap.get_absolute_url()}">基层执法力量不足</a>' in page


# -- the staff home page -------------------------------------------------------------------


def test_staff_home_lists_overdue_due_soon_returned_and_recent(staff_client, lead_unit):
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    ItemFactory(lead_unit=lead_unit, title="已经逾期", due_on=today - timedelta(days=1))
    ItemFactory(lead_unit=lead_unit, title="下周到期", due_on=today + timedelta(days=7))
    ItemFactory(lead_unit=lead_unit, title="被退回了", status="returned")
    ItemFactory(title="别人的事项", due_on=today - timedelta(days=1))
    content = staff_client.get(reverse("home")).content.decode()
    boxes = dict(re.findall(r"<span>([^<]+)</span><a class=\"badge[^\"]*\"[^>]*>(\d+)</a>", content))
    # The recent list counts nothing: it shows the latest, and no badge.
    assert boxes == {"逾期": "1", "两周内到期": "1", "退回本单位": "1"}
    assert "最近更新" in content
    assert "别人的事项" not in content


def test_a_search_matching_more_than_the_cap_says_so_instead_of_counting(
    reviewer_client, lead_unit, monkeypatch
):
    import tracker.views

    monkeypatch.setattr(tracker.views, "SEARCH_COUNT_CAP", 3)
    report = AnnualReportFactory(year=2022)
    ItemFactory.create_batch(5, report=report, lead_unit=lead_unit, title="行政执法检查")
    ItemFactory(report=report, lead_unit=lead_unit, title="普法宣传", status="in_progress")
    page = reviewer_client.get(reverse("tracker:items"), {"q": "执法"})
    content = page.content.decode()
    assert "超过3项" in content and "请增加关键词或其他筛选条件" in content
    assert page.context["total"] == 3  # the first three can be paged through
    assert [chip["count"] for chip in page.context["status_chips"]] == [None] * 5
    narrow = reviewer_client.get(reverse("tracker:items"), {"q": "普法"})
    assert narrow.context["total"] == 1 and narrow.context["status_chips"][1]["count"] == 1
    assert "超过" not in narrow.content.decode()
