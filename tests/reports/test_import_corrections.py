"""The import preview's corrections: what the reviewer changes is what the confirm writes."""

import re

import pytest

from reports.importing import parse_report
from reports.models import AnnualReport
from tests.factories import AnnualReportFactory
from tracker.models import Item

pytestmark = pytest.mark.django_db

IMPORT = "/reports/import/"
PREVIEW = "/reports/import/preview/"
CORRECT = "/reports/import/correct/"
CONFIRM = "/reports/import/confirm/"

# A report in the statutory outline, with one section whose heading tells nothing (三) and one
# numbered line that is no heading (（二） opens a sentence of its paragraph's text).
TEXT = """某县2022年度法治政府建设情况报告
2022年，我县深入推进法治政府建设。现将有关情况报告如下：
一、主要举措和成效
（一）严格规范行政执法。开展执法检查12次。
（二）多措并举，全年办理行政复议案件8件。
二、党政主要负责人履行推进法治建设第一责任人职责情况
县政府主要负责人主持召开常务会议学法4次。
三、扎实做好基层基础工作
1.完成了村级组织换届。还培训村干部60名。
2.建成公共法律服务站5个。
四、存在的不足和原因
一是学法不够深入。二是执法人员不足。
五、2023年度推进法治政府建设的主要安排
一是加强学法。二是充实执法力量。"""

UNTITLED = TEXT.split("\n", 1)[1]


def starts(text=TEXT):
    """Each node's number and heading → where it starts (its name in the corrections)."""
    return {node.number + node.heading: node.start for node in parse_report(text).root.walk() if node.rank}


def start_of(prefix, text=TEXT):
    return next(start for key, start in starts(text).items() if key.startswith(prefix))


def open_preview(client, text=TEXT, **fields):
    response = client.post(IMPORT, {"text": text, **fields})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.get(PREVIEW).content.decode()


def token(content):
    return re.search(r'name="token" value="([^"]+)"', content).group(1)


def details(content):
    """The details fields as the preview fills them (posted along with every correction)."""
    fields = {}
    for name in ("title", "year", "issuer"):
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', content).group(0)
        value = re.search(r'value="([^"]*)"', tag)
        fields[name] = value.group(1) if value else ""
    return fields


def flags(content):
    """The list of what the importer was unsure of, at the top of the preview ("" if none)."""
    if 'id="flags"' not in content:
        return ""
    return content[content.index('id="flags"') : content.index('id="details"')]


def correct(client, content, **post):
    response = client.post(CORRECT, {"token": token(content), **details(content), **post})
    assert response.status_code == 302 and response.url.startswith(PREVIEW)
    return client.get(PREVIEW).content.decode()


def confirm(client, content):
    response = client.post(CONFIRM, {"token": token(content)})
    assert response.status_code == 302, response.content.decode()[:2000]


def test_the_preview_flags_a_section_whose_heading_tells_nothing(reviewer_client):
    content = open_preview(reviewer_client)
    shown = flags(content)
    assert "三、扎实做好基层基础工作”：标题看不出属于哪一类" in shown and "请核对" in shown
    assert f'href="#node-{starts()["三、扎实做好基层基础工作"]}"' in shown
    # The statutory sections were read for what they are: none of them is flagged.
    assert "没有一行像报告标题" not in shown and "存在的不足" not in shown and "主要安排" not in shown


def test_a_section_kind_changed_on_the_preview_is_what_the_confirm_writes(reviewer_client):
    content = open_preview(reviewer_client)
    section = starts()["三、扎实做好基层基础工作"]
    content = correct(reviewer_client, content, **{f"kind_{section}": "shortfalls"})
    assert "已更正" in content and "扎实做好基层基础工作" not in flags(content)
    confirm(reviewer_client, content)
    shortfalls = Item.objects.filter(kind="shortfall", year=2023).order_by("order")
    assert [item.title for item in shortfalls] == [
        "完成了村级组织换届",
        "建成公共法律服务站5个",
        "学法不够深入",
        "执法人员不足",
    ]
    assert (
        AnnualReport.objects.get(year=2022).sections.get(heading="扎实做好基层基础工作").kind == "shortfalls"
    )


def test_an_area_chosen_on_the_preview_is_written_on_the_items(reviewer_client):
    content = open_preview(reviewer_client)
    section = starts()["三、扎实做好基层基础工作"]
    content = correct(reviewer_client, content, **{f"area_{section}": "2021-disputes"})
    assert "警告" not in content
    confirm(reviewer_client, content)
    items = Item.objects.filter(title__in=["完成了村级组织换届", "建成公共法律服务站5个"])
    assert {item.area.code for item in items} == {"2021-disputes"}


def test_the_leaders_duty_section_gives_achievements_and_can_be_made_context(reviewer_client):
    content = open_preview(reviewer_client)
    section = starts()["二、党政主要负责人履行推进法治建设第一责任人职责情况"]
    assert '<option value="leaders_duty" selected>' in content
    content = correct(reviewer_client, content, **{f"kind_{section}": "context"})
    confirm(reviewer_client, content)
    titles = set(Item.objects.filter(kind="achievement").values_list("title", flat=True))
    assert "县政府主要负责人主持召开常务会议学法4次" not in titles
    assert "严格规范行政执法" in titles


def test_title_year_and_issuer_given_on_the_preview_are_written(reviewer_client):
    content = open_preview(reviewer_client, text=UNTITLED)
    assert "没有一行像报告标题" in flags(content) and "第一句" in flags(content)  # from 2022年，
    content = correct(
        reviewer_client,
        content,
        title="某县人民政府关于2022年度法治政府建设情况的报告",
        year="2022",
        issuer="某县人民政府",
    )
    assert "没有一行像报告标题" not in flags(content) and "第一句" not in flags(content)
    confirm(reviewer_client, content)
    report = AnnualReport.objects.get(year=2022)
    assert report.title == "某县人民政府关于2022年度法治政府建设情况的报告"
    assert report.issuer == "某县人民政府"


def test_a_false_heading_merged_into_the_text_above_is_one_item(reviewer_client):
    content = open_preview(reviewer_client)
    false_heading = start_of("（二）多措并举")
    content = correct(reviewer_client, content, merge=str(false_heading))
    confirm(reviewer_client, content)
    item = Item.objects.get(title="严格规范行政执法")
    assert (
        item.text == "（一）严格规范行政执法。开展执法检查12次。\n（二）多措并举，全年办理行政复议案件8件。"
    )
    assert not Item.objects.filter(title__startswith="多措并举").exists()


def test_an_item_split_on_the_preview_becomes_one_item_per_sentence(reviewer_client):
    content = open_preview(reviewer_client)
    item = starts()["1.完成了村级组织换届"]
    assert f'name="split" value="{item}"' in content
    assert f'name="split" value="{starts()["2.建成公共法律服务站5个"]}"' not in content  # one sentence
    content = correct(reviewer_client, content, split=str(item))
    confirm(reviewer_client, content)
    texts = list(Item.objects.filter(kind="achievement", year=2022).values_list("text", flat=True))
    assert "1.完成了村级组织换届。" in texts and "还培训村干部60名。" in texts


def test_undo_every_correction_restores_the_report_as_read(reviewer_client):
    content = open_preview(reviewer_client)
    content = correct(reviewer_client, content, merge=str(start_of("（二）多措并举")))
    assert "多措并举" not in re.sub(r"<[^>]+>", "", content).split("（一）")[0]
    content = correct(reviewer_client, content, reset="1")
    assert f'id="node-{start_of("（二）多措并举")}"' in content
    confirm(reviewer_client, content)
    assert Item.objects.filter(title__startswith="多措并举").exists()


def test_a_stale_or_bad_correction_changes_nothing_and_says_why(reviewer_client):
    content = open_preview(reviewer_client)
    response = reviewer_client.post(CORRECT, {"token": "old", **details(content), "merge": "3"})
    assert response.status_code == 302
    page = reviewer_client.get(PREVIEW).content.decode()
    assert "预览已过期" in page and token(page) == token(content)

    page = correct(reviewer_client, content, year="二〇二二")
    assert "未作更正。年度：输入整数。" in page
    page = correct(reviewer_client, content, merge="99999")
    assert "未作更正" in page
    assert reviewer_client.session["report_import_draft"]["corrections"] == {}


def test_a_correction_that_leaves_nothing_to_track_is_refused(reviewer_client):
    content = open_preview(reviewer_client)
    every_section = {f"kind_{start}": "context" for key, start in starts().items() if "、" in key[:2]}
    page = correct(reviewer_client, content, **every_section)
    assert "未作更正" in page and "没有找到编号" in page
    assert reviewer_client.session["report_import_draft"]["corrections"] == {}


def test_a_year_corrected_to_a_closed_one_is_refused(reviewer_client):
    AnnualReportFactory(year=2019, state="closed")
    content = open_preview(reviewer_client)
    page = correct(reviewer_client, content, year="2018")
    assert "未作更正" in page and "2019" in page
    assert reviewer_client.session["report_import_draft"]["year"] is None


@pytest.mark.parametrize("fixture", ["staff_client", "leader_client"])
def test_only_reviewers_may_correct(request, fixture, reviewer_client):
    client = request.getfixturevalue(fixture)
    assert client.post(CORRECT, {"token": "x", "merge": "1"}).status_code == 403


def test_a_correction_changes_only_what_the_reviewer_changed(reviewer_client):
    """A title given keeps every area found (the leaders' duty section's cross-cutting one too)
    and the flag of a year that came from the signature."""
    content = open_preview(reviewer_client, text=UNTITLED + "\n某某县人民政府\n2023年1月5日")
    assert "取自报告落款日期" in flags(content)
    content = correct(reviewer_client, content, title="某某县法治政府建设情况报告")
    assert "取自报告落款日期" in flags(content) and "没有一行像报告标题" not in flags(content)
    assert reviewer_client.session["report_import_draft"]["corrections"] == {
        "title": "某某县法治政府建设情况报告",
        "issuer": None,
        "kinds": {},
        "areas": {},
        "not_headings": [],
        "split": [],
    }
    confirm(reviewer_client, content)
    leaders = Item.objects.get(title__startswith="党政主要负责人")
    assert leaders.area.code == "leaders-duty"


def test_a_split_part_of_a_numbered_item_is_titled_without_its_number(reviewer_client):
    content = open_preview(reviewer_client)
    content = correct(reviewer_client, content, split=str(starts()["1.完成了村级组织换届"]))
    assert "<strong>完成了村级组织换届</strong>" in content
