"""Import pages (reviewers only) and the report page."""

import datetime
import re
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reports.models import AnnualReport
from reports.services import report_import
from tests.factories import ItemFactory, UnitFactory
from tests.samples import QINGSHI, XINXIANG
from tests.zips import understate_sizes, zip_bytes
from tracker.models import Item

pytestmark = pytest.mark.django_db

IMPORT = "/reports/import/"


def upload(name, data):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


# -- who may import ----------------------------------------------------------------------------


def test_anonymous_user_is_sent_to_login_from_the_import_page(client):
    response = client.get(IMPORT)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("fixture", ["staff_client", "other_staff_client", "leader_client"])
def test_staff_and_leaders_get_403_on_every_import_step(request, fixture):
    client = request.getfixturevalue(fixture)
    assert client.get(IMPORT).status_code == 403
    assert client.post(IMPORT, {"text": QINGSHI}).status_code == 403
    assert client.get("/reports/import/preview/").status_code == 403
    assert client.post("/reports/import/confirm/", {"token": "x"}).status_code == 403
    assert client.post("/reports/import/cancel/").status_code == 403
    assert AnnualReport.objects.count() == 0


def test_reviewer_sees_the_import_form(reviewer_client):
    response = reviewer_client.get(IMPORT)
    assert response.status_code == 200
    assert "导入年度报告" in response.content.decode()


# -- the three steps ---------------------------------------------------------------------------


def test_upload_preview_confirm_writes_the_report(reviewer_client):
    justice = UnitFactory(name="县司法局", short_name="司法局")
    response = reviewer_client.post(IMPORT, {"file": upload("新乡县.txt", XINXIANG.encode("gb18030"))})
    assert response.status_code == 302 and response.url == "/reports/import/preview/"
    assert AnnualReport.objects.count() == 0  # nothing written yet

    preview = reviewer_client.get(response.url)
    content = preview.content.decode()
    assert preview.status_code == 200
    assert "新乡县2020年度法治政府建设工作报告" in content
    assert "8 个一级标题、18 个二级标题" in content
    assert '<mark class="metric">1202项</mark>' in content
    assert '<mark class="metric">1200余人次</mark>' in content
    assert content.count('class="badge kind-shortfall"') == 2
    assert content.count('class="badge kind-measure"') == 3
    # The item naming 县司法局 has it preselected as its lead unit.
    assert re.search(rf'<option value="{justice.pk}" selected>县司法局</option>', content)
    # Suggestions can be accepted (or cleared) in bulk; confirming as shown accepts them all.
    assert f'data-suggested="{justice.pk}"' in content and "全部采用建议" in content

    token = re.search(r'name="token" value="([^"]+)"', content).group(1)
    done = reviewer_client.post("/reports/import/confirm/", {"token": token})
    assert done.status_code == 302 and done.url == "/reports/2020/"
    report = AnnualReport.objects.get(year=2020)
    assert report.items.count() == 21
    assert report.items.filter(lead_unit=justice).exists()
    assert AnnualReport.objects.get(year=2021).items.filter(stated_in=report).count() == 5
    # The message says what landed where, not "26 ledger items" (21 of them are a record).
    page = reviewer_client.get(done.url).content.decode()
    assert (
        "已导入《新乡县2020年度法治政府建设工作报告》：2020年度工作成效 21 项已记录；"
        "存在问题 2 个、整改措施 3 条列为2021年度工作。"
    ) in page
    assert "工作成效" in reviewer_client.get(IMPORT).content.decode()


def preview_of(client, text):
    client.post(IMPORT, {"text": text})
    content = client.get("/reports/import/preview/").content.decode()
    return content, re.search(r'name="token" value="([^"]+)"', content).group(1)


def test_the_preview_says_where_each_kind_lands_and_offers_the_deadline_and_links(reviewer_client):
    content, _token = preview_of(reviewer_client, XINXIANG)
    assert "工作成效 21 项：记为 2020 年度已完成" in content
    assert "存在问题 2 个、整改措施 3 条：列为 2021 年度工作" in content
    assert 'name="due_on" id="due_on" value="2021-12-31"' in content
    # Each measure offers both shortfalls; the text told the first two, not the third.
    assert content.count('name="measure"') == 3
    ticked = re.findall(r'name="answers_(\d+)" value="(\d+)" id="[^"]+" checked', content)
    assert len(ticked) == 2
    assert content.count("待确认</span>") == 1
    assert "有 1 条措施无法从原文判断对应哪个问题" in content


def test_confirm_writes_the_chosen_deadline_and_links(reviewer_client):
    content, token = preview_of(reviewer_client, XINXIANG)
    measures = re.findall(r'name="measure" value="(\d+)"', content)
    shortfalls = sorted(set(re.findall(r'name="answers_\d+" value="(\d+)"', content)))
    post = {"token": token, "due_on": "2021-09-30", "measure": measures}
    post[f"answers_{measures[0]}"] = []  # untick the first measure's shortfall
    post[f"answers_{measures[1]}"] = [shortfalls[1]]
    post[f"answers_{measures[2]}"] = shortfalls  # the third answers both
    assert reviewer_client.post("/reports/import/confirm/", post).status_code == 302
    work = AnnualReport.objects.get(year=2021).items
    assert set(work.values_list("due_on", flat=True)) == {datetime.date(2021, 9, 30)}
    answers = [
        sorted(m.addresses.values_list("title", flat=True))
        for m in work.filter(kind="measure").order_by("order")
    ]
    assert answers == [
        [],
        ["队伍建设有待加强"],
        ["部分行政执法单位和乡(镇)政府法制机构不健全", "队伍建设有待加强"],
    ]
    assert not work.filter(link_unsure=True).exists()


def test_a_deadline_that_is_not_a_date_writes_nothing_and_says_so(reviewer_client):
    _content, token = preview_of(reviewer_client, XINXIANG)
    response = reviewer_client.post(
        "/reports/import/confirm/", {"token": token, "due_on": "2021-13-01"}, follow=True
    )
    assert AnnualReport.objects.count() == 0
    assert "完成时限“2021-13-01”不是日期" in response.content.decode()
    assert response.redirect_chain[-1][0] == "/reports/import/preview/"


def test_an_uploaded_docx_whose_headers_understate_its_sizes_is_refused_in_chinese(
    reviewer_client, monkeypatch
):
    import docx

    monkeypatch.setattr(docx, "Document", mock.Mock(side_effect=AssertionError("parsed")))
    bomb = understate_sizes(zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": 30 * 2**20}))
    response = reviewer_client.post(IMPORT, {"file": upload("报告.docx", bomb)})
    assert response.status_code == 200
    assert "解压后超过 20 MB" in response.content.decode()
    assert AnnualReport.objects.count() == 0 and reviewer_client.session.get("report_import_draft") is None


def test_units_changed_on_the_preview_are_the_ones_written(reviewer_client):
    market = UnitFactory(name="县市场监督管理局")
    reviewer_client.post(IMPORT, {"text": QINGSHI})
    content = reviewer_client.get("/reports/import/preview/").content.decode()
    token = re.search(r'name="token" value="([^"]+)"', content).group(1)
    reviewer_client.post(
        "/reports/import/confirm/", {"token": token, "lead_0": str(market.pk), "lead_1": "bogus"}
    )
    items = list(Item.objects.order_by("order"))
    assert items[0].lead_unit == market
    assert items[1].lead_unit is None


def test_cancel_writes_nothing_and_forgets_the_draft(reviewer_client):
    reviewer_client.post(IMPORT, {"text": QINGSHI})
    response = reviewer_client.post("/reports/import/cancel/")
    assert response.status_code == 302
    assert AnnualReport.objects.count() == 0
    follow = reviewer_client.get("/reports/import/preview/")
    assert follow.status_code == 302 and follow.url == IMPORT


def test_a_stale_token_does_not_import(reviewer_client):
    reviewer_client.post(IMPORT, {"text": QINGSHI})
    response = reviewer_client.post("/reports/import/confirm/", {"token": "old"})
    assert response.status_code == 302 and response.url == "/reports/import/preview/"
    assert AnnualReport.objects.count() == 0


@pytest.mark.parametrize(
    "data, message",
    [
        ({"file": ("photo.txt", b"\x89PNG\r\n\x1a\n" + bytes(100))}, "PNG"),
        ({"file": ("empty.txt", b"")}, "请上传"),
        ({"text": "某县2021年工作总结\n今年做了很多工作。"}, "没有找到编号"),
        ({}, "请上传"),
        ({"text": QINGSHI, "file": ("r.txt", QINGSHI.encode())}, "不要同时"),
    ],
    ids=["image", "empty-file", "no-numbering", "nothing", "both"],
)
def test_bad_input_gets_a_clear_chinese_error_and_writes_nothing(reviewer_client, data, message):
    post = {key: (upload(*value) if key == "file" else value) for key, value in data.items()}
    response = reviewer_client.post(IMPORT, post)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert AnnualReport.objects.count() == 0


def test_a_different_report_for_an_imported_year_needs_replace(reviewer_client):
    report_import(text=XINXIANG)
    changed = XINXIANG.replace("网站访问量达296694次", "网站访问量达300000次")
    response = reviewer_client.post(IMPORT, {"text": changed})
    assert response.status_code == 200
    assert "已导入另一份报告" in response.content.decode()
    assert not Item.objects.filter(text__contains="300000").exists()


def test_html_in_an_imported_text_is_shown_as_text(reviewer_client):
    text = "某县2021年度法治政府建设报告\n一、依法行政\n(一)规范执法<script>alert(1)</script>。办理案件12件。"
    reviewer_client.post(IMPORT, {"text": text})
    content = reviewer_client.get("/reports/import/preview/").content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


# -- the report page ---------------------------------------------------------------------------


def test_report_page_shows_outline_items_units_and_metrics(reviewer_client):
    UnitFactory(name="县政府督查局", short_name="督查局")
    report_import(text=XINXIANG)
    content = reviewer_client.get("/reports/2020/").content.decode()
    assert "一、依法全面履行政府职能" in content
    assert "依法全面履行政府职能</span>" in content or "2015" not in content
    assert "认真办理“两会”建议和提案" in content
    assert "县政府督查局" in content
    assert '<mark class="metric">296694次</mark>' in content
    assert "工作中存在的问题及建议" in content


def test_staff_see_the_outline_but_only_their_units_items(staff_client, lead_unit, other_unit):
    report = report_import(text=QINGSHI).report
    mine = report.items.get(order=1)
    mine.lead_unit = lead_unit
    mine.save()
    content = staff_client.get("/reports/2022/").content.decode()
    assert "一、主要举措和成效" in content
    # The outline (a public document) shows; of the ledger items only the unit's own.
    assert content.count('class="item-card') == 1
    assert "县司法局" in content


def test_unknown_year_is_404(reviewer_client):
    assert reviewer_client.get("/reports/1999/").status_code == 404


def test_report_page_query_count_does_not_grow_with_items(reviewer_client, django_assert_max_num_queries):
    # 14: the outline, the figures, the problems stated (this year's and last year's, with
    # their measures), the next year's work; the menu bar's unread count.
    report = report_import(text=QINGSHI).report
    with django_assert_max_num_queries(15):  # +1: the person's government (issue 19)
        assert reviewer_client.get("/reports/2022/").status_code == 200
    ItemFactory.create_batch(30, report=report, section=report.sections.filter(level=2).first())
    following = report.next
    for kind in ("shortfall", "measure"):
        ItemFactory.create_batch(10, report=following, kind=kind, stated_in=report)
    with django_assert_max_num_queries(15):
        assert reviewer_client.get("/reports/2022/").status_code == 200


def test_a_big_year_shows_the_first_items_of_each_section_and_links_to_the_rest(
    reviewer_client, monkeypatch, django_assert_max_num_queries
):
    import reports.selectors

    monkeypatch.setattr(reports.selectors, "OUTLINE_ALL_UP_TO", 4)
    monkeypatch.setattr(reports.selectors, "OUTLINE_PER_SECTION", 2)
    report = report_import(text=QINGSHI).report
    section = report.sections.filter(level=2).first()
    for n in range(5):
        ItemFactory(report=report, section=section, order=100 + n, title=f"省级台账事项{n}")
    with django_assert_max_num_queries(
        15
    ):  # +1: the menu bar's unread count; +1: the person's government (issue 19)
        content = reviewer_client.get("/reports/2022/").content.decode()
    assert "省级台账事项0" in content and "省级台账事项1" in content and "省级台账事项2" not in content
    total = report.items.filter(section=section).count()
    link = f"/items/?year=2022&amp;section={section.pk}"
    assert link in content and f"此处共{total}项，显示前2项" in content
    listed = reviewer_client.get("/items/", {"year": 2022, "section": section.pk})
    assert listed.context["total"] == total
    page = listed.content.decode()
    assert "省级台账事项4" in page and "只看2022年报告中的：" in page and section.heading[:6] in page
    # The notice names the section's whole place in the outline: 一、… › (一)…
    parent = section.parent
    assert f"{parent.number}{parent.heading} › {section.number}{section.heading}" in page
    # A section that does not exist narrows to nothing and shows no notice.
    nowhere = reviewer_client.get("/items/", {"year": 2022, "section": 987654}).content.decode()
    assert "只看2022年报告中的" not in nowhere


def test_the_year_page_shows_a_new_item_at_once_though_its_outline_is_cached(reviewer_client):
    report = report_import(text=QINGSHI).report
    assert "刚加入的事项" not in reviewer_client.get("/reports/2022/").content.decode()
    ItemFactory(report=report, section=report.sections.filter(level=2).first(), title="刚加入的事项")
    assert "刚加入的事项" in reviewer_client.get("/reports/2022/").content.decode()


def test_last_years_shortfalls_beyond_the_first_fifty_are_a_link(reviewer_client, monkeypatch):
    """The shortfalls the report of 2022 stated are work of 2023: on 2023's page (上年度问题整改情况)
    and on 2022's (存在问题及整改情况), the first few, then a link to 2023's list of them."""
    import reports.selectors

    monkeypatch.setattr(reports.selectors, "LAST_YEAR_SHOWN", 2)
    last = report_import(text=QINGSHI).report
    this = last.next
    for n in range(3):
        ItemFactory(report=this, kind="shortfall", stated_in=last, order=200 + n, title=f"去年问题{n}")
    stated = Item.objects.filter(stated_in=last, kind="shortfall").order_by("order", "pk")
    assert stated.count() > 2
    for year, card in (
        (this.year, 'class="card shadow-sm mb-3 last-year"'),
        (last.year, 'class="card shadow-sm mb-3 stated"'),
    ):
        page = reviewer_client.get(f"/reports/{year}/").content.decode()
        content = page[page.index(card) : page.index("</section>", page.index(card))]
        assert all(item.title in content for item in stated[:2])
        assert "去年问题2" not in content
        assert "/items/?year=2023&amp;kind=shortfall" in content


def test_report_list_links_each_year(leader_client):
    report_import(text=QINGSHI)
    content = leader_client.get("/reports/").content.decode()
    assert 'href="/reports/2022/"' in content
    assert "导入年度报告" not in content  # leaders do not import
