"""The parsing library on the real report texts and on bad input (no database)."""

import io
import re
import signal
import tracemalloc
import zipfile
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports.importing import Corrections, ReportReadError, UnitName, parse_report, read_report_bytes
from reports.importing.cleaning import clean
from reports.importing.metrics import extract_metrics
from reports.importing.outline import block_marker, build_outline
from reports.importing.reading import DOCX_MAX_UNPACKED, MAX_BYTES, html_to_text
from tests.samples import QINGSHI, XINXIANG
from tests.zips import understate_sizes, zip_bytes

pytestmark = pytest.mark.usefixtures("english")


def level2_counts(parsed):
    return [len([c for c in section.children if not c.inline]) for section in parsed.sections]


def metric_strings(parsed):
    found = [m for item in parsed.items for m in item.metrics] + [m for _, m in parsed.section_metrics]
    return [f"{'~' if m.approximate else ''}{m.value.normalize():f}{m.unit}" for m in found]


# -- the 2020 report of 新乡县 ---------------------------------------------------------------


@pytest.fixture(scope="module")
def xinxiang():
    return parse_report(XINXIANG)


def test_seed_metadata(xinxiang):
    assert xinxiang.title == "新乡县2020年度法治政府建设工作报告"
    assert xinxiang.year == 2020
    assert xinxiang.issuer == "新乡县人民政府"
    assert xinxiang.published_on == date(2021, 5, 10)
    assert xinxiang.framework == "2015-2020"


def test_seed_outline_has_eight_sections_with_the_right_subsections(xinxiang):
    assert [s.number for s in xinxiang.sections] == [
        "一、",
        "二、",
        "三、",
        "四、",
        "五、",
        "六、",
        "七、",
        "八、",
    ]
    assert level2_counts(xinxiang) == [2, 0, 2, 3, 4, 4, 3, 0]
    assert sum(level2_counts(xinxiang)) == 18


def test_seed_work_sections_map_to_the_seven_2015_areas_in_order(xinxiang):
    assert [s.area for s in xinxiang.sections] == [
        "2015-functions",
        "2015-rules",
        "2015-decisions",
        "2015-enforcement",
        "2015-oversight",
        "2015-disputes",
        "2015-capacity",
        None,
    ]
    assert [s.kind for s in xinxiang.sections] == ["work"] * 7 + ["shortfalls_and_plans"]


def test_seed_first_subsection_holds_three_inline_items(xinxiang):
    first = xinxiang.sections[0].children[0]
    assert first.heading == "全面推进行政审批制度改革"
    assert [c.number for c in first.children] == ["一是", "二是", "三是"]
    assert first.children[0].heading == "着力推动“真联、真通、真办”"


def test_seed_section_two_is_one_paragraph_and_section_four_has_an_introduction(xinxiang):
    two = xinxiang.sections[1]
    assert two.children == [] and two.item_kind == "achievement"
    four = xinxiang.sections[3]
    intro = "\n".join(xinxiang.cleaned_text[a:b] for a, b in four.segments)
    assert intro.startswith("通过健全执法制度")


def test_seed_problems_and_suggestions_split_at_the_turn(xinxiang):
    eight = xinxiang.sections[7]
    assert [(c.number, c.item_kind) for c in eight.children] == [
        ("一是", "shortfall"),
        ("二是", "shortfall"),
        ("一是", "measure"),
        ("二是", "measure"),
        ("三是", "measure"),
    ]
    shortfalls = [i for i in xinxiang.items if i.kind == "shortfall"]
    measures = [i for i in xinxiang.items if i.kind == "measure"]
    assert [i.title for i in shortfalls] == ["部分行政执法单位和乡(镇)政府法制机构不健全", "队伍建设有待加强"]
    assert [i.title for i in measures] == [
        "领导要重视法治建设",
        "定期开展执法培训",
        "要重视日常工作成果的上传工作",
    ]


def test_seed_items_count(xinxiang):
    assert (xinxiang.count("achievement"), xinxiang.count("shortfall"), xinxiang.count("measure")) == (
        21,
        2,
        3,
    )


def test_seed_metrics(xinxiang):
    found = metric_strings(xinxiang)
    assert len(found) >= 55
    for expected in [
        "1202项",
        "100%",
        "1170.05万元",
        "296694次",
        "~1200人次",
        "~1300人次",
        "29场次",
        "~20次",
    ]:
        assert expected in found
    assert not [m for m in found if m.endswith(("年", "月", "日", "号"))]


def test_seed_metric_is_tied_to_the_item_holding_it_with_its_clause(xinxiang):
    audit = next(i for i in xinxiang.items if i.title == "发挥审计综合监督作用")
    money = next(m for m in audit.metrics if m.value == Decimal("1170.05"))
    assert money.unit == "万元" and not money.approximate
    assert money.label == "审计查出违规金额1170.05万元"


def test_seed_items_are_verbatim_and_free_of_portal_chrome(xinxiang):
    for item in xinxiang.items:
        # Verbatim line by line: only the blank lines and indentation between paragraphs go.
        for line in item.text.split("\n"):
            assert line in XINXIANG
        assert "浏览量" not in item.text and "分享" not in item.text
    assert "浏览量" not in xinxiang.cleaned_text and "分享" not in xinxiang.cleaned_text


def test_seed_preamble_is_context(xinxiang):
    assert xinxiang.preamble.startswith("2020年,我县坚持")


def test_unit_suggestions_prefer_the_longest_name():
    directory = [
        UnitName(key="market", names=["县市场监督管理局", "市场监管局", "市场监管"]),
        UnitName(key="justice", names=["县司法局", "司法局"]),
        UnitName(key="inspect", names=["县政府督查局", "督查局", "县督查局"]),
        UnitName(key="aid", names=["县法律援助中心", "法律援助中心"]),
    ]
    parsed = parse_report(XINXIANG, directory=directory)
    by_title = {i.title: i.unit_keys for i in parsed.items}
    assert by_title["认真办理“两会”建议和提案"] == ["inspect"]
    assert by_title["法律援助服务困难群体"] == ["justice", "aid"]
    assert "market" in by_title["要重视日常工作成果的上传工作"]
    text = "由县市场监督管理局牵头,市场监管所配合"
    from reports.importing.units import UnitMatcher

    assert UnitMatcher(directory).find(text) == ["market"]


# -- a second shape: the 2022 township report ------------------------------------------------


@pytest.fixture(scope="module")
def qingshi():
    return parse_report(QINGSHI)


def test_township_report_metadata(qingshi):
    assert qingshi.year == 2022
    assert qingshi.issuer == "青石镇人民政府"
    assert qingshi.published_on == date(2023, 2, 20)
    assert qingshi.framework == "2021-2025"


def test_township_report_outline(qingshi):
    assert [s.kind for s in qingshi.sections] == ["work", "shortfalls", "plans"]
    assert level2_counts(qingshi) == [4, 3, 0]
    assert (qingshi.count("achievement"), qingshi.count("shortfall"), qingshi.count("measure")) == (7, 3, 4)
    assert [c.area for c in qingshi.sections[0].children] == [
        "party-leadership",
        "2021-decisions",
        "2021-enforcement",
        "2021-disputes",
    ]


def test_township_report_metrics(qingshi):
    found = metric_strings(qingshi)
    assert len(found) == 16
    assert "~1500人次" in found and "94.7%" in found


def test_signature_block_is_not_part_of_the_last_item(qingshi):
    assert "2023年2月16日" not in qingshi.items[-1].text


# -- cleaning and outline edge cases ----------------------------------------------------------


@pytest.mark.parametrize("source", [XINXIANG, QINGSHI], ids=["xinxiang", "qingshi"])
def test_a_report_on_one_line_still_splits(source):
    one_line = "".join(line.strip() for line in source.splitlines())
    expected, parsed = parse_report(source), parse_report(one_line)
    assert level2_counts(parsed) == level2_counts(expected)
    assert [i.kind for i in parsed.items] == [i.kind for i in expected.items]
    assert parsed.title == expected.title
    assert parsed.metric_count == expected.metric_count


def test_crlf_and_full_width_spaces_are_tolerated():
    parsed = parse_report(XINXIANG.replace("\n", "\r\n").replace("  ", "\u3000\u3000"))
    assert level2_counts(parsed) == [2, 0, 2, 3, 4, 4, 3, 0]


def test_full_and_half_width_brackets_alike():
    text = "2021年度报告\n一、依法行政\n（一）甲。做了3件。\n(二)乙。做了4件。\n二、存在的问题\n一是问题。"
    parsed = parse_report(text)
    assert level2_counts(parsed) == [2, 1] or level2_counts(parsed) == [2, 0]
    assert parsed.count("achievement") == 2 and parsed.count("shortfall") == 1


def test_numbering_that_skips_or_restarts_keeps_the_tree():
    text = "报告\n一、甲\n（一）子一。\n（三）子三。\n三、乙\n（一）子一。\n五、丙\n1.条目。\n1.条目。"
    parsed = parse_report(text)
    assert [len(s.children) for s in parsed.sections] == [2, 1, 2]


def test_stray_spaces_in_dates_and_numbers_are_not_metrics():
    metrics = extract_metrics("10 月 28 日召开会议,开展法制讲座 29场次,印发〔2020〕12号文件,学习《民法典》")
    assert [(m.value, m.unit) for m in metrics] == [(Decimal(29), "场次")]


def test_ordinals_and_years_are_not_metrics():
    found = extract_metrics("第3次会议在2020年举行,第一批30个")
    assert [(m.value, m.unit) for m in found] == [(Decimal(30), "个")]


def test_approximate_markers():
    found = [(m.value, m.approximate) for m in extract_metrics("近1500人次,约30名,50人以上,12件")]
    assert found == [(1500, True), (30, True), (50, True), (12, False)]


def test_portal_chrome_and_breadcrumbs_are_dropped():
    raw = (
        "首页 > 政务公开 > 法治政府建设\n某县2021年法治政府建设报告\n发布时间:2022-03-01 来源:某县司法局 浏览量:9\n"
        "字体:大 中 小\n某县2021年法治政府建设报告\n一、依法行政\n做了很多工作。\n【打印本页】【关闭窗口】\n分享到:"
    )
    cleaned = clean(raw)
    assert cleaned.title == "某县2021年法治政府建设报告"
    assert cleaned.source == "某县司法局"
    assert cleaned.published_on == date(2022, 3, 1)
    assert cleaned.body == "一、依法行政\n做了很多工作。"


def test_a_text_without_numbering_becomes_one_context_section():
    parsed = parse_report("某县2021年工作总结\n今年做了很多工作,成效明显。\n明年继续努力。")
    assert len(parsed.sections) == 1
    assert parsed.sections[0].kind == "context"
    assert parsed.items == []
    assert parsed.warnings == ["no_numbering"]


def test_heading_ends_at_the_first_full_stop_when_body_runs_on():
    root = build_outline("(一)全面推进行政审批制度改革。县政府始终把推进改革作为抓手。")
    node = root.children[0]
    assert node.heading == "全面推进行政审批制度改革"
    assert node.number == "(一)"


# -- reading bytes -----------------------------------------------------------------------------


def test_reads_utf8_utf8_bom_and_gb18030_alike():
    for data in (
        QINGSHI.encode("utf-8"),
        b"\xef\xbb\xbf" + QINGSHI.encode("utf-8"),
        QINGSHI.encode("gb18030"),
    ):
        assert read_report_bytes(data, "report.txt") == QINGSHI


def test_reads_gbk_even_when_named_docx():
    assert read_report_bytes(QINGSHI.encode("gbk"), "report.docx") == QINGSHI


def make_docx(paragraphs, table=None) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_reads_docx_paragraphs_in_order_and_tables_row_by_row():
    data = make_docx(QINGSHI.splitlines(), table=[["指标", "数值"], ["调解成功率", "94.7%"]])
    text = read_report_bytes(data, "report.bin")
    assert text.startswith("青石镇人民政府关于2022年度法治政府建设情况的报告")
    assert text.endswith("指标\t数值\n调解成功率\t94.7%")
    assert parse_report(text).count("measure") == 4


def test_reads_saved_html_article_text():
    html = (
        "<!DOCTYPE html><html><head><title>x</title><script>var a='一、';</script></head><body>"
        "<nav>首页 政务公开</nav><div class='article'><h1>某县2021年法治政府建设报告</h1>"
        "<p>一、依法行政</p><p>(一)规范执法。全年办理案件12件。</p></div><footer>版权所有</footer></body></html>"
    )
    parsed = parse_report(read_report_bytes(html.encode("utf-8"), "page.htm"))
    assert parsed.title == "某县2021年法治政府建设报告"
    assert parsed.items[0].text == "(一)规范执法。全年办理案件12件。"
    assert "var a" not in html_to_text(html) and "版权所有" not in html_to_text(html)


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"   \n  ", "empty"),
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "PNG"),
        (b"\xff\xd8\xff\xe0" + bytes(200), "JPEG"),
        (b"%PDF-1.7\n" + bytes(100), "PDF"),
        (bytes(range(256)) * 4, "binary"),
        (b"\x81\x30" * 3 + b"\xff\xff\xff", "encoding"),
    ],
    ids=["empty", "blank", "png", "jpeg", "pdf", "binary", "undecodable"],
)
def test_unreadable_files_get_a_clear_error(data, message):
    with pytest.raises(ReportReadError) as excinfo:
        read_report_bytes(data, "report.txt")
    assert message.lower() in str(excinfo.value).lower()


def test_a_zip_that_is_not_a_docx_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("photo.jpg", b"not a document")
    with pytest.raises(ReportReadError, match="not a Word"):
        read_report_bytes(buffer.getvalue(), "report.docx")


def test_a_damaged_zip_is_refused():
    with pytest.raises(ReportReadError, match="damaged"):
        read_report_bytes(b"PK\x03\x04" + bytes(100), "report.docx")


def docx_with_document_of(size: int) -> bytes:
    """A .docx-shaped zip whose word/document.xml inflates to ``size`` bytes (2 MB zipped
    can hold 2 GB; the tests use less)."""
    return zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": size})


def refuse_python_docx(monkeypatch):
    import docx

    def called(*args, **kwargs):
        raise AssertionError("python-docx was asked to parse an archive over the limit")

    monkeypatch.setattr(docx, "Document", called)


def test_a_docx_that_inflates_past_the_limit_is_refused_before_python_docx_reads_it(monkeypatch):
    refuse_python_docx(monkeypatch)
    data = docx_with_document_of(DOCX_MAX_UNPACKED + 1)
    assert len(data) < MAX_BYTES
    tracemalloc.start()
    try:
        with pytest.raises(ReportReadError, match="unpacks to more than 20 MB"):
            read_report_bytes(data, "report.docx")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * 1024 * 1024  # chunks, never the inflated document


def test_a_docx_whose_headers_understate_its_sizes_is_refused_before_python_docx_reads_it(monkeypatch):
    refuse_python_docx(monkeypatch)
    data = understate_sizes(docx_with_document_of(DOCX_MAX_UNPACKED * 2))
    with pytest.raises(ReportReadError, match="unpacks to more than 20 MB"):
        read_report_bytes(data, "report.docx")


def test_a_docx_of_exactly_the_limit_is_read_one_byte_more_refused(monkeypatch):
    data = make_docx(QINGSHI.splitlines())
    unpacked = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist())
    monkeypatch.setattr("reports.importing.reading.DOCX_MAX_UNPACKED", unpacked)
    assert read_report_bytes(data, "report.docx").startswith("青石镇人民政府")
    monkeypatch.setattr("reports.importing.reading.DOCX_MAX_UNPACKED", unpacked - 1)
    with pytest.raises(ReportReadError, match="unpacks to more than"):
        read_report_bytes(data, "report.docx")


def test_a_5_mb_text_is_refused_as_too_large():
    with pytest.raises(ReportReadError, match="too large"):
        read_report_bytes(("一、内容。" * 400_000).encode("utf-8"), "big.txt")


# -- never raises, never invents text ---------------------------------------------------------

REPORTISH = st.lists(
    st.one_of(
        st.sampled_from(
            ["一、", "二、", "(一)", "（二）", "1.", "2、", "（1）", "一是", "二是", "三是", "\n", "。", "；"]
        ),
        st.sampled_from(
            ["存在的问题", "下一步工作打算", "针对以上问题,提出如下建议:", "来源:某县 浏览量:3", "分享:"]
        ),
        st.sampled_from(["1200余人次", "100%", "《条例》", "〔2020〕12号", "10 月 28 日", "县司法局"]),
        st.text(max_size=30),
    ),
    max_size=60,
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=400), REPORTISH))
def test_parser_never_raises_and_item_texts_come_from_the_cleaned_input(text):
    parsed = parse_report(text, directory=[UnitName(key=1, names=["县司法局", "司法局"])])
    for item in parsed.items:
        assert item.text
        assert item.text in parsed.cleaned_text
        assert item.title
    for node in parsed.root.walk():
        assert 0 <= node.start <= node.end <= len(parsed.cleaned_text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_reading_arbitrary_bytes_either_returns_text_or_says_why(data):
    try:
        text = read_report_bytes(data, "x.txt")
    except ReportReadError as error:
        assert str(error)
    else:
        assert isinstance(text, str) and text.strip()


# -- measures linked to shortfalls one by one --------------------------------------------


def linked(parsed):
    shortfalls = [n for n, item in enumerate(parsed.items) if item.kind == "shortfall"]
    return [
        ([shortfalls.index(n) for n in item.answers], item.link_sure)
        for item in parsed.items
        if item.kind == "measure"
    ]


def test_seed_measures_answer_their_own_shortfall_and_the_third_is_flagged(xinxiang):
    # 领导要重视…专职人员 answers the understaffed legal offices of 乡(镇)政府; 执法培训 the
    # enforcement staff; uploading results to the platform answers neither problem.
    assert linked(xinxiang) == [([0], True), ([1], True), ([], False)]


def test_township_measures_link_by_shared_terms_or_are_flagged(qingshi):
    assert linked(qingshi) == [([0], True), ([1], True), ([], False), ([], False)]


def test_measures_in_the_same_number_as_the_shortfalls_answer_them_in_order():
    text = "2021年度报告\n一、存在的问题\n一是甲。\n二是乙。\n二、下一步工作打算\n一是丙。\n二是丁。"
    assert linked(parse_report(text)) == [([0], True), ([1], True)]


def test_a_measure_that_names_its_problem_answers_it():
    from reports.importing.linking import link_measures

    shortfalls = ["队伍建设有待加强，执法人员紧缺。", "法制机构不健全。", "普法形式单一。"]
    measures = ["针对第三个问题，创新普法方式。", "针对“队伍建设”问题，充实力量。", "做好其他工作。"]
    links = link_measures(shortfalls, measures)
    assert [(link.shortfalls, link.sure) for link in links] == [((2,), True), ((0,), True), ((), False)]


def test_terms_every_shortfall_shares_tell_nothing():
    from reports.importing.linking import link_measures

    shortfalls = ["行政执法人员不足。", "行政执法装备不足。"]
    [link] = link_measures(shortfalls, ["加强行政执法工作。"])
    assert link == link.__class__((), False, "")


# -- portal toolbars read in linear time; UTF-16 ---------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "打印 关闭 返回 大 中 小",
        "【打印本页】【关闭窗口】",
        "打印本页关闭窗口",
        "分享到: 微信扫一扫",
        "上一篇：关于印发通知",
        "字体：大 中 小",
    ],
)
def test_toolbar_lines_are_chrome(line):
    from reports.importing.cleaning import is_chrome_line

    assert is_chrome_line(line) and is_chrome_line(line.replace(" ", "\u00a0"))


def test_a_long_toolbar_line_that_is_not_all_chrome_is_kept_and_never_hangs():
    """Twelve toolbar words and a stray mark took the old pattern minutes (each extra word ten
    times more): a worker stalled by one uploaded line. Read word by word now; an alarm turns a
    regression into a failure instead of a hung test run."""
    import signal

    from reports.importing.cleaning import is_chrome_line

    line = "\u00a0".join(["打印", "关闭", "返回", "默认", *(["大", "中", "小"] * 40)]) + "\u00a0…"

    def hung(signum, frame):
        raise TimeoutError("the toolbar line is read in more than linear time")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(5)
    try:
        assert not is_chrome_line(line)
        text = f"某县2021年度法治政府建设工作报告\n{line}\n一、依法行政\n做了3件事。"
        parsed = parse_report(text)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert parsed.items and parsed.items[0].title == "依法行政"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_utf16_text_with_its_byte_order_mark_is_read(encoding):
    from reports.importing import read_report_bytes

    text = "某县2021年度法治政府建设工作报告\n一、依法行政\n做了3件事。"
    data = text.encode(encoding) if encoding == "utf-16" else b"\xfe\xff" + text.encode(encoding)
    assert read_report_bytes(data, filename="notepad.txt") == text


# -- the statutory headings and their common variants ---------------------------------------


@pytest.mark.parametrize(
    "heading, kind",
    [
        ("存在的不足和原因", "shortfalls"),
        ("存在的主要问题", "shortfalls"),
        ("工作中的不足", "shortfalls"),
        ("2022年度推进法治政府建设的主要安排", "plans"),
        ("下一年度主要安排", "plans"),
        ("整改措施", "plans"),
        ("下一步工作计划", "plans"),
        ("下步打算", "plans"),
        ("2023年工作打算", "plans"),
        ("存在的问题及整改措施", "shortfalls_and_plans"),
        ("党政主要负责人履行推进法治建设第一责任人职责情况", "leaders_duty"),
        ("主要举措和成效", "work"),
        ("严格规范公正文明执法", "work"),
    ],
)
def test_section_kinds_from_the_statutory_wording_and_its_variants(heading, kind):
    from reports.importing.classify import section_kind

    assert section_kind(heading) == kind


def test_a_report_in_the_statutory_outline_gives_its_shortfalls_and_measures():
    """The headings the 2019 督察工作规定 asks for, as a county writes them: before, sections
    三 and 四 came out as work, with no shortfall and no measure."""
    text = (
        "某县人民政府关于2022年度法治政府建设情况的报告\n"
        "一、主要举措和成效\n（一）深化行政执法改革。全年培训执法人员300人次。\n"
        "二、党政主要负责人履行推进法治建设第一责任人职责情况\n县长带头学法4次。\n"
        "三、存在的不足和原因\n一是执法力量薄弱。二是普法针对性不强。\n"
        "四、2023年度推进法治政府建设的主要安排\n一是充实执法力量。二是创新普法方式。\n"
    )
    parsed = parse_report(text)
    assert [section.kind for section in parsed.sections] == ["work", "leaders_duty", "shortfalls", "plans"]
    assert (parsed.count("achievement"), parsed.count("shortfall"), parsed.count("measure")) == (2, 2, 2)


# -- every common numbering ------------------------------------------------------------------


def outline_of(parsed):
    def walk(node):
        return [(child.number, child.heading, [c[0] for c in walk(child)]) for child in node.children]

    return walk(parsed.root)


@pytest.mark.parametrize("level1", ["一、", "一．", "一.", "一）"])
@pytest.mark.parametrize("level2", ["（一）", "(一)", "⑴"])
def test_every_common_level_one_and_two_numbering_makes_the_same_outline(level1, level2):
    second = level1.replace("一", "二")
    sub = level2.replace("一", "二").replace("⑴", "⑵")
    text = (
        f"某县2021年度法治政府建设情况报告\n{level1}依法行政\n{level2}制度建设。做了3件。\n"
        f"{sub}执法监督。做了4件。\n{second}存在的问题\n一是执法力量弱。二是普法单一。"
    )
    parsed = parse_report(text)
    assert [(s.number, s.heading, s.kind) for s in parsed.sections] == [
        (level1, "依法行政", "work"),
        (second, "存在的问题", "shortfalls"),
    ]
    assert [c.heading for c in parsed.sections[0].children] == ["制度建设", "执法监督"]
    assert (parsed.count("achievement"), parsed.count("shortfall")) == (2, 2)


@pytest.mark.parametrize(
    "marks", [("1.", "2."), ("1、", "2、"), ("1．", "2．"), ("1）", "2）"), ("1)", "2)")]
)
def test_every_common_level_three_numbering(marks):
    first, second = marks
    text = f"某县2021年度法治政府建设情况报告\n一、依法行政\n{first}制度建设。全年3.5万人次参加。\n{second}执法监督。"
    parsed = parse_report(text)
    assert [(c.number, c.heading) for c in parsed.sections[0].children] == [
        (first, "制度建设"),
        (second, "执法监督"),
    ]


@pytest.mark.parametrize("marks", [("（1）", "（2）"), ("(1)", "(2)"), ("①", "②")])
def test_every_common_level_four_numbering(marks):
    first, second = marks
    text = (
        f"某县2021年度法治政府建设情况报告\n一、依法行政\n1.制度建设\n{first}清理文件。\n{second}备案审查。"
    )
    parsed = parse_report(text)
    level3 = parsed.sections[0].children[0]
    assert [(c.number, c.heading) for c in level3.children] == [(first, "清理文件"), (second, "备案审查")]


def test_a_decimal_at_the_start_of_a_line_is_no_numbering():
    parsed = parse_report(
        "某县2021年度法治政府建设情况报告\n一、依法行政\n3.5万人次参加培训。\n一.5倍于去年。"
    )
    assert len(parsed.sections) == 1 and parsed.sections[0].children == []


# -- the published date in every common field form -------------------------------------------


@pytest.mark.parametrize(
    "field, published",
    [
        ("[ 发布日期 ] 2026-02-10", date(2026, 2, 10)),
        ("【发布时间】2026-02-10 09:30", date(2026, 2, 10)),
        ("发布于:2023-01-06 09:04:54", date(2023, 1, 6)),
        ("作者：张三　时间：2023-03-09", date(2023, 3, 9)),
    ],
)
def test_the_published_date_is_read_from_every_common_field_form_and_the_line_dropped(field, published):
    parsed = parse_report(f"某县2022年度法治政府建设情况报告\n{field}\n一、依法行政\n做了3件事。")
    assert parsed.published_on == published
    assert field not in parsed.cleaned_text


def test_a_sentence_that_begins_with_a_field_word_stays_text():
    sentence = "时间紧、任务重，全年仍完成了3项工作。"
    parsed = parse_report(f"某县2022年度法治政府建设情况报告\n{sentence}\n一、依法行政\n做了3件事。")
    assert parsed.published_on is None and sentence in parsed.preamble


# -- metadata from the whole page --------------------------------------------------------------

BODY = "2020年，我县深入推进法治政府建设。现将有关情况报告如下：\n一、依法行政\n（一）做了3件事。\n二、存在的不足和原因\n一是学法不够。"

PORTAL_PAGE = (
    "今天是:2019年10月31日 星期三\n"
    "某县人民政府门户网站\n"
    "首页 > 政务公开 > 法治政府建设\n"
    "[ 索引号 ] 11410721005270123X/2021-00012 [ 发文字号 ]\n"
    "[ 发布机构 ] 某县司法局 [ 成文日期 ] 2021-02-10\n"
    "文件编号: 有效性: 有效\n"
    "某县2020年度法治政府建设工作报告\n"
    "发布时间:2021-02-10 来源:某县司法局 浏览量:31\n"
)


def test_a_portal_page_gives_its_title_year_and_issuer_not_its_chrome():
    parsed = parse_report(PORTAL_PAGE + BODY)
    assert parsed.title == "某县2020年度法治政府建设工作报告"
    assert parsed.year == 2020
    assert parsed.issuer == "某县人民政府"  # the title's subject, not the 来源 (司法局)
    assert parsed.published_on == date(2021, 2, 10)
    assert "门户网站" not in parsed.cleaned_text and "今天是" not in parsed.cleaned_text
    assert parsed.preamble.startswith("2020年，我县")


def test_a_first_body_sentence_is_never_the_title():
    parsed = parse_report("现将有关情况报告如下：\n" + BODY)
    assert parsed.title == ""
    assert parsed.year == 2020  # from the first sentence 2020年，
    assert "现将有关情况报告如下" in parsed.preamble


@pytest.mark.parametrize(
    "lines, title",
    [
        (["某县人民政府", "2022年度法治政府建设情况报告"], "某县人民政府2022年度法治政府建设情况报告"),
        (
            ["某县人民政府关于2022年度法治政府建设", "情况的报告"],
            "某县人民政府关于2022年度法治政府建设情况的报告",
        ),
    ],
)
def test_a_title_split_over_two_lines_is_joined(lines, title):
    parsed = parse_report("\n".join(lines) + "\n" + BODY.replace("2020", "2022"))
    assert parsed.title == title
    assert parsed.year == 2022
    assert parsed.issuer == "某县人民政府"
    assert lines[0] not in parsed.cleaned_text


def test_the_issuer_comes_from_the_signature_when_the_title_names_none():
    text = (
        "2022年度法治政府建设情况报告\n来源：区司法局\n"
        + BODY.replace("2020", "2022")
        + "\n某某区人民政府\n2023年1月5日"
    )
    parsed = parse_report(text)
    assert parsed.issuer == "某某区人民政府"
    assert parsed.year == 2022
    assert "某某区人民政府" not in parsed.items[-1].text


@pytest.mark.parametrize(
    "signature, year",
    [("2023年1月5日", 2022), ("二〇二三年二月十六日", 2022), ("2022年12月28日", 2022), ("2023-03-31", 2022)],
)
def test_without_a_title_the_year_comes_from_the_signature_date(signature, year):
    text = "一、依法行政\n（一）2018年，在全市考评中名列第二。\n二、存在的问题\n一是学法不够。"
    parsed = parse_report(f"{text}\n某某区人民政府\n{signature}")
    assert parsed.title == ""
    assert parsed.year == year
    assert parsed.issuer == "某某区人民政府"


def test_a_body_sentence_about_an_earlier_year_does_not_set_the_year():
    parsed = parse_report(
        "一、依法行政\n（一）2018年，在全市考评中名列第二。\n二、存在的问题\n一是学法不够。"
    )
    assert parsed.year is None


def test_a_title_named_only_by_the_portals_title_field_is_used():
    text = "[ 标题 ] 某县2021年度法治政府建设情况报告 [ 发布日期 ] 2022-03-01\n" + BODY
    parsed = parse_report(text)
    assert parsed.title == "某县2021年度法治政府建设情况报告"
    assert parsed.year == 2021 and parsed.published_on == date(2022, 3, 1)


def test_a_date_in_the_middle_of_a_field_line_is_the_published_date():
    text = "某县2020年度法治政府建设工作报告\n来源：某某区司法局　时间:2023-03-09　浏览次数：12\n" + BODY
    assert parse_report(text).published_on == date(2023, 3, 9)


# -- the reviewer's corrections, applied by the parser ----------------------------------------


CORRECTABLE = (
    "某县2022年度法治政府建设情况报告\n一、主要举措和成效\n（一）严格规范行政执法。开展执法检查12次。\n"
    "（二）多措并举，全年办理行政复议案件8件。\n三、扎实做好基层基础工作\n一是完成了村级组织换届。二是建成服务站5个。\n"
    "四、存在的问题\n一是学法不够深入。二是执法人员不足。针对以上问题，提出如下建议：一是加强学法。"
)


def node_at(parsed, prefix):
    return next(node for node in parsed.root.walk() if (node.number + node.heading).startswith(prefix))


def test_corrections_round_trip_through_json():
    corrections = Corrections(title="T", kinds={5: "plans"}, areas={7: ""}, not_headings={9}, split={3})
    assert Corrections.from_json(corrections.to_json()) == corrections
    assert not Corrections() and corrections


def test_a_corrected_kind_wins_and_a_corrected_shortfalls_section_is_not_split():
    parsed = parse_report(CORRECTABLE)
    problems = node_at(parsed, "四、")
    assert problems.kind == "shortfalls_and_plans"
    corrected = parse_report(CORRECTABLE, corrections=Corrections(kinds={problems.start: "shortfalls"}))
    assert [i.kind for i in corrected.items if i.node.start >= problems.start] == ["shortfall"] * 3


def test_a_corrected_section_area_replaces_the_areas_found_below_it():
    parsed = parse_report(CORRECTABLE)
    work = node_at(parsed, "一、")
    assert {i.area for i in parsed.items[:2]} == {"2021-enforcement", "2021-disputes"}
    corrected = parse_report(CORRECTABLE, corrections=Corrections(areas={work.start: "2021-digital"}))
    assert {i.area for i in corrected.items[:2]} == {"2021-digital"}


def test_a_merged_inline_item_joins_the_one_before_it():
    parsed = parse_report(CORRECTABLE)
    second = node_at(parsed, "二是建成")
    merged = parse_report(CORRECTABLE, corrections=Corrections(not_headings={second.start}))
    titles = [i.title for i in merged.items]
    assert "建成服务站5个" not in titles
    assert (
        next(i.text for i in merged.items if i.title == "完成了村级组织换届")
        == "一是完成了村级组织换届。二是建成服务站5个。"
    )


def test_a_split_item_keeps_every_character_in_its_parts():
    parsed = parse_report(CORRECTABLE)
    item = node_at(parsed, "（一）")
    split = parse_report(CORRECTABLE, corrections=Corrections(split={item.start}))
    parts = [i.text for i in split.items if i.node.parent is not None and i.node.parent.start == item.start]
    assert parts == ["（一）严格规范行政执法。", "开展执法检查12次。"]
    assert len(split.items) == len(parsed.items) + 1


# -- inline numbering besides 一是 … 二是 … -------------------------------------------------------


def inline_items(text):
    """(number, heading) of the inline items the outline finds, in order."""
    parsed = parse_report(f"某县2021年度法治政府建设情况报告\n{text}")
    return [(node.number, node.heading) for node in parsed.root.walk() if node.inline]


@pytest.mark.parametrize("stop", ["，", "、", "：", ","])
def test_first_second_third_in_a_paragraph_are_inline_items(stop):
    text = f"一、依法行政\n（一）制度建设。主要做法：第一{stop}清理文件，共3件；第二{stop}备案审查；第三{stop}公开目录。"
    assert inline_items(text) == [("第一", "清理文件"), ("第二", "备案审查"), ("第三", "公开目录")]


@pytest.mark.parametrize(
    "paragraph",
    [
        "我县行政审批事项排名全市第一，受到表彰。",  # 第一 inside a sentence
        "提前完成第一、第二批事项。",  # 第一、第二批
        "第二，继续推进改革。第三，完善制度。",  # a run starts at 第一
    ],
)
def test_first_in_prose_is_no_numbering(paragraph):
    assert inline_items(f"一、依法行政\n{paragraph}") == []


def test_firstly_secondly_lastly_are_inline_items_in_order():
    text = "一、依法行政\n首先，加强领导，成立小组。其次，完善制度。再次，严格执法。最后，强化考核。"
    assert inline_items(text) == [
        ("首先", "加强领导"),
        ("其次", "完善制度"),
        ("再次", "严格执法"),
        ("最后", "强化考核"),
    ]


@pytest.mark.parametrize(
    "paragraph",
    [
        "最后，我们要总结经验。",  # a lone 最后
        "其次，也要看到不足。最后，继续努力。",  # no 首先
        "首先，要提高认识。最后，抓好落实。",  # 首先 with no 其次
        "首先要加强领导，其次要完善制度。",  # no mark after the word
    ],
)
def test_a_lone_lastly_or_secondly_in_prose_is_no_run(paragraph):
    assert inline_items(f"一、依法行政\n{paragraph}") == []


def test_firstly_restarting_turns_problems_into_suggestions():
    text = (
        "一、存在的问题及建议\n首先，执法力量薄弱。其次，普法针对性不强。"
        "针对以上问题，提出如下建议：首先，充实执法力量。其次，创新普法方式。"
    )
    parsed = parse_report(f"某县2021年度法治政府建设情况报告\n{text}")
    assert [(i.kind, i.title) for i in parsed.items] == [
        ("shortfall", "执法力量薄弱"),
        ("shortfall", "普法针对性不强"),
        ("measure", "充实执法力量"),
        ("measure", "创新普法方式"),
    ]


@pytest.mark.parametrize(
    "first, second, third",
    [("（1）", "（2）", "（3）"), ("(1)", "(2)", "(3)"), ("①", "②", "③"), ("（1）", "(2)", "（3）")],
)
@pytest.mark.parametrize("before", ["：", "。", "，", "； "])
def test_numbered_items_inside_a_line_are_inline_items(first, second, third, before):
    text = f"一、依法行政\n主要做法有三{before}{first}清理文件，共3件；{second}备案审查。{third}公开目录。"
    assert inline_items(text) == [(first, "清理文件"), (second, "备案审查"), (third, "公开目录")]


@pytest.mark.parametrize(
    "paragraph",
    [
        "主要做法：（1）清理文件。",  # one alone
        "主要做法：（2）清理文件；（3）备案审查。",  # not from 1
        "做法是（1）清理文件（2）备案审查。",  # not after punctuation
        "依据第十二条第（一）项、第（二）项规定办理。",  # a legal citation
        "依据第（1）项、第（2）项规定，见附件（1），附件（2）。",  # a citation, attachments
        "依据县政府〔2020〕12号文件，（2020）豫07行初12号判决，（2021）、（2022）年度。",  # years
    ],
)
def test_numbers_in_brackets_that_are_no_run_stay_text(paragraph):
    assert inline_items(f"一、依法行政\n{paragraph}") == []


def test_a_line_starting_with_its_number_stays_a_level_four_block():
    parsed = parse_report("某县2021年度法治政府建设情况报告\n一、依法行政\n（1）清理文件；（2）备案审查。")
    assert [(c.number, c.heading, c.inline) for c in parsed.sections[0].children] == [
        ("（1）", "清理文件", False),
        ("（2）", "备案审查", False),
    ]


def test_the_run_that_begins_first_is_the_items_the_other_stays_in_their_text():
    parsed = parse_report(
        "某县2021年度法治政府建设情况报告\n一、依法行政\n一是加强领导。①成立小组；②召开会议3次。二是完善制度。"
    )
    assert [(c.number, c.heading) for c in parsed.sections[0].children] == [
        ("一是", "加强领导"),
        ("二是", "完善制度"),
    ]
    assert parsed.items[0].text == "一是加强领导。①成立小组；②召开会议3次。"


@pytest.mark.parametrize(
    "run, expected",
    [
        ("第一，健全机制；第二，完善制度。", [("第一", "健全机制"), ("第二", "完善制度")]),
        ("首先，健全机制；其次，完善制度。", [("首先", "健全机制"), ("其次", "完善制度")]),
        ("（1）健全机制；（2）完善制度。", [("（1）", "健全机制"), ("（2）", "完善制度")]),
        ("①健全机制；②完善制度。", [("①", "健全机制"), ("②", "完善制度")]),
    ],
)
def test_a_heading_ends_where_its_inline_items_begin_after_a_clause_mark(run, expected):
    parsed = parse_report(f"某县2021年度法治政府建设情况报告\n一、依法行政\n（一）加强组织领导，{run}")
    level2 = parsed.sections[0].children[0]
    assert level2.heading == "加强组织领导"
    assert [(c.number, c.heading) for c in level2.children] == expected


# -- a heading ends at its first sentence mark, whatever its numbering -------------------------

EVERY_NUMBERING = [
    *["一、", "一．", "一.", "一）", "一)"],
    *["（一）", "(一)", "⑴"],
    *["1.", "1、", "1．", "1）", "1)"],
    *["（1）", "(1)", "①"],
]


@pytest.mark.parametrize("number", EVERY_NUMBERING)
@pytest.mark.parametrize("mark", ["。", "：", "！", "？", "!"])
def test_a_heading_ends_at_its_first_sentence_mark_when_the_line_goes_on(number, mark):
    body = f"{number}加强组织领导{mark}成立领导小组，召开会议3次。"
    [node] = build_outline(body).children
    assert (node.number, node.heading) == (number, "加强组织领导")
    assert [body[a:b] for a, b in node.segments] == ["成立领导小组，召开会议3次。"]


@pytest.mark.parametrize("number", EVERY_NUMBERING)
def test_a_heading_ends_at_its_first_sentence_mark_in_a_whole_report(number):
    """The same in a report where the numbering stands at its level (under 一、 and （一）)."""
    outer = {
        1: "",
        2: "一、依法行政\n",
        3: "一、依法行政\n（一）制度建设\n",
        4: "一、依法行政\n（一）制度建设\n1.清理\n",
    }
    rank = block_marker(number)[0]
    parsed = parse_report(
        f"某县2021年度法治政府建设情况报告\n{outer[rank]}{number}加强组织领导。成立领导小组，召开会议3次。"
    )
    [item] = parsed.items
    assert (item.node.number, item.title) == (number, "加强组织领导")
    assert item.text.endswith("加强组织领导。成立领导小组，召开会议3次。")


@pytest.mark.parametrize("number", ["一是", "第一，", "首先，", "（1）", "①"])
def test_an_inline_items_heading_ends_at_its_first_clause_mark(number):
    second = {"一是": "二是", "第一，": "第二，", "首先，": "其次，", "（1）": "（2）", "①": "②"}[number]
    text = f"一、依法行政\n做法：{number}加强组织领导，成立小组。{second}完善制度；健全机制。"
    assert [heading for _, heading in inline_items(text)] == ["加强组织领导", "完善制度"]


# -- lost line breaks: text copied from a page or a PDF --------------------------------------

PAGE_TITLE = "某县人民政府关于2022年度法治政府建设情况的报告"
PAGE_PREAMBLE = "2022年，我县深入学习贯彻习近平法治思想，全面推进依法行政。现将有关情况报告如下："
# Bodies in the shapes county pages take; each line as the page shows it.
PAGE_BODIES = {
    "county": [
        "一、主要举措和成效",
        "（一）深化“放管服”改革",
        "1.压减审批事项。全年取消和下放行政审批事项12项，政务服务事项网上可办率达98.5%。",
        "2.优化营商环境。出台优化营商环境措施20条，新增市场主体3500户。",
        "（二）推进严格规范公正文明执法",
        "1.落实行政执法三项制度。全年公示执法信息1245条，执法全过程记录率100%。",
        "2.开展执法人员培训。组织全县执法人员培训6期，参训人员1200余人次。",
        "（三）依法化解矛盾纠纷",
        "（1）规范行政复议。全年受理行政复议案件37件，审结35件。",
        "（2）强化人民调解。各级调委会调解矛盾纠纷1553件，调解成功率96.2%。",
        "二、党政主要负责人履行推进法治建设第一责任人职责情况",
        "一是县政府常务会议学法12次。二是县长带头出庭应诉2次。",
        "三、存在的不足和原因",
        "一是执法力量薄弱，基层执法人员不足。二是普法针对性不强，形式较为单一。",
        "四、2023年度主要安排",
        "一是充实基层执法力量。二是创新普法方式，推进精准普法。",
    ],
    "full-width stops": [
        "一．依法全面履行政府职能",
        "⑴深化放管服改革",
        "1）压减审批事项。取消审批事项12项。",
        "2）推行一网通办。办件量3.5万件。",
        "⑵优化营商环境。出台措施20条。",
        "二．存在的问题",
        "①执法力量不足。",
        "②普法形式单一。",
        "三．下一步打算",
        "第一，充实执法力量；第二，创新普法方式。",
    ],
    "half-width stops": [
        "一.依法决策",
        "1．规范决策程序",
        "（1）公众参与。召开听证会2次。",
        "（2）合法性审查。审查文件15件。",
        "2．发挥法律顾问作用。审查合同32份。",
        "二)严格执法",
        "(一)推行三项制度。公示信息245条。",
        "(二)规范执法行为。首先，统一、规范文书格式。其次，依据第十二条第（一）项开展评查3.5轮。",
    ],
}


def parsed_outline(parsed):
    def walk(node):
        return [(child.number, child.heading, walk(child)) for child in node.children]

    return walk(parsed.root), [(item.kind, item.title, item.text) for item in parsed.items]


@pytest.mark.parametrize("name", PAGE_BODIES)
@pytest.mark.parametrize("copies", [1, 2], ids=["short", "run-on"])
def test_a_page_whose_line_breaks_are_all_lost_gives_the_same_outline(name, copies):
    """Every line of the body run together (the whole of it on one line; twice the body makes
    it long enough to be read as a report on one line): each numbering gets its line back."""
    body = [PAGE_PREAMBLE, *PAGE_BODIES[name] * copies]
    expected = parse_report(PAGE_TITLE + "\n" + "\n".join(body))
    lost = parse_report(PAGE_TITLE + "\n" + "".join(body))
    assert parsed_outline(lost) == parsed_outline(expected)
    assert expected.items and lost.title == PAGE_TITLE


@pytest.mark.parametrize(
    "heading, expected",
    [
        ("一、依法行政（一）制度建设。清理文件3件。", [("一、", "依法行政", ["（一）"])]),
        ("一、依法行政⑴制度建设。清理文件3件。", [("一、", "依法行政", ["⑴"])]),
        ("一、依法行政1.制度建设。清理文件3件。", [("一、", "依法行政", ["1."])]),
        ("一．依法行政1）制度建设。清理文件3件。", [("一．", "依法行政", ["1）"])]),
        ("一、依法行政（1）制度建设。清理文件3件。", [("一、", "依法行政", ["（1）"])]),
        ("（一）依法行政①制度建设。清理文件3件。", [("（一）", "依法行政", ["①"])]),
        ("一、依法行政1．制度建设（1）清理文件。共3件。", [("一、", "依法行政", ["1．"])]),
        ("一、存在的问题一是力量薄弱。二是普法单一。", [("一、", "存在的问题", ["一是", "二是"])]),
        ("一、下一步打算第一，充实力量；第二，创新普法。", [("一、", "下一步打算", ["第一", "第二"])]),
        ("一、下一步打算首先，充实力量；其次，创新普法。", [("一、", "下一步打算", ["首先", "其次"])]),
        # Words, not numbering: the heading goes on to its sentence mark.
        ("一、营商环境排名全省第一，获得表彰。", [("一、", "营商环境排名全省第一，获得表彰", [])]),
        ("一、坚持统一是关键。二是没有一是的编号。", [("一、", "坚持统一是关键", [])]),
    ],
)
def test_a_heading_with_no_sentence_mark_followed_by_its_first_item_splits(heading, expected):
    parsed = parse_report(f"某县2021年度法治政府建设情况报告\n{heading}")
    assert [(s.number, s.heading, [c.number for c in s.children]) for s in parsed.sections] == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "全年实行统一、规范管理，共办理案件3.5万件。",  # 统一、 and a decimal
        "依据《条例》第十二条第（一）项、第（二）项的规定处理。",  # a citation
        "自2021.10.1起施行，其中第1.2条另有规定。",  # a date, a clause number
        "全年共办理12、15件，一.5倍于去年。",  # numbers in a list, 一.5
        "调用alert(1)检测，共（2020）12号。",  # a call, a year
    ],
)
def test_numbering_inside_a_sentence_gets_no_line_break(sentence):
    cleaned = clean(f"某县2021年度法治政府建设情况报告\n一、依法行政\n{sentence}")
    assert cleaned.body == f"一、依法行政\n{sentence}"


def test_a_lone_number_after_a_sentence_end_still_gets_its_line_back():
    cleaned = clean(
        "某县2021年度法治政府建设情况报告\n一、依法行政\n（1）清理文件。（2）备案审查。③公开目录。"
    )
    assert cleaned.body == "一、依法行政\n（1）清理文件。\n（2）备案审查。\n③公开目录。"


# -- linear time on adversarial input ---------------------------------------------------------


@contextmanager
def hang_guard(seconds):
    """Turns a parse that hangs into a failure after ``seconds`` instead of a stalled test run
    (a guard, not a timing: speed is measured in bench/import_bench.py)."""

    def hung(signum, frame):
        raise TimeoutError(f"more than {seconds} s: the importer no longer reads in linear time")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def shortfalls_and_measures_naming_them(count):
    words = ["".join(chr(0x4E00 + (n * 7 + k * 131) % 3000) for k in range(5)) for n in range(count)]
    return (
        "某县2021年度法治政府建设情况报告\n一、存在的问题及整改措施\n（一）存在的问题\n"
        + "".join(f"一是{word}。\n" for word in words)
        + "（二）整改措施\n"
        + "".join(f"一是针对{word[::-1]}问题。\n" for word in words[1:])
    )


# Each took from twenty seconds to hours before it was read in linear time (100 KB each).
ONCE_QUADRATIC = {
    "spaces after a word": "某县报告\n一、依法行政\n甲" + " " * 100_000 + "x",
    "breadcrumb with spaced steps": "某县报告\n" + ">     x" * 17 + "。\n一、依法行政",
    "published field with spaces": "某县报告\n来源：某县 时间" + " " * 3_000 + "。\n一、依法行政",
    "thousands groups": "某县报告\n一、依法行政\n1" + ",234" * 25_000 + "x",
    "quantities in one clause": "某县报告\n一、依法行政\n" + "1人" * 50_000,
    "quantities in titles": "某县报告\n一、依法行政\n" + "《1人》" * 25_000,
    "measures naming words": shortfalls_and_measures_naming_them(2_000),
}


@pytest.mark.parametrize("text", ONCE_QUADRATIC.values(), ids=ONCE_QUADRATIC.keys())
def test_inputs_that_once_took_minutes_are_read_in_linear_time(text):
    with hang_guard(5):
        parsed = parse_report(text)
    assert all(item.text in parsed.cleaned_text for item in parsed.items)


def test_a_quantity_with_thousands_groups_is_still_one_metric():
    [metric] = extract_metrics("审计金额1,234,567.5万元，")
    assert (metric.value, metric.unit, metric.label) == (
        Decimal("1234567.5"),
        "万元",
        "审计金额1,234,567.5万元",
    )


BREADCRUMB_PARTS = st.sampled_from(
    [">", "＞", "›", "»", " ", "\u3000", "。", "；", "a", "首页", "政务公开", "x" * 19]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(BREADCRUMB_PARTS, max_size=12).map("".join))
def test_a_breadcrumb_is_told_as_the_pattern_it_replaces_told_it(line):
    """The step-by-step reader against the pattern it replaced (exponential only on long lines
    of spaced steps; these are short)."""
    from reports.importing.cleaning import _is_breadcrumb

    old = re.compile(r"^[^。；;]{0,60}(?:[>＞›»]\s*[^>＞›»。]{1,20}){2,}$")
    assert _is_breadcrumb(line) == bool(old.match(line))


def test_measures_of_a_text_with_thousands_of_shortfalls_are_linked_by_number_order_or_terms():
    """Named words are looked for in every shortfall: past ``MAX_PAIRS`` shortfall-measure pairs
    (no report's problems and plans) that would cost each measure all the shortfalls."""
    from reports.importing.linking import MAX_PAIRS, link_measures

    words = ["".join(chr(0x4E00 + (n * 7 + k * 131) % 3000) for k in range(4)) for n in range(101)]
    shortfalls = [f"{word}的力量不足。" for word in words]
    measures = ["针对第三个问题，加强培训。", f"针对{words[7]}的问题，充实力量。"] * 50
    assert len(shortfalls) * len(measures) > MAX_PAIRS
    links = link_measures(shortfalls, measures)
    assert (links[0].shortfalls, links[0].reason) == ((2,), "named")
    assert (links[1].shortfalls, links[1].reason) == ((7,), "terms")
    # Within the bound the named words tell it.
    assert (link_measures(shortfalls, measures[:2])[1].shortfalls, links[1].sure) == ((7,), True)
    assert link_measures(shortfalls, measures[:2])[1].reason == "named"


# What the adversarial texts are made of: portal chrome, spaces of every kind, every numbering
# (and 是, 第一，, 首先, words like 统一、 and citations that look like it), figures, punctuation.
ADVERSARIAL_PARTS = [
    "打印", "关闭", "返回", "大", "中", "小", "打印本页", "关闭窗口", "分享到", "索引号", "字体", "来源:",
    "来源：", "发布时间:", "发布时间：", "浏览量:", "当前位置:", "首页", ">", "【", "】", "|",
    " ", "\u00a0", "\u3000", "\u2002", "\t", "\u00a0\u00a0\u00a0",
    "一、", "二、", "一．", "一.", "一）", "（一）", "(二)", "⑴", "1.", "2、", "1．", "1）", "（1）", "(2)",
    "①", "②", "一是", "二是", "是", "第一，", "第二，", "首先，", "其次，", "最后，", "统一、", "第十二条第（一）项",
    "1", "12", "2020", "3.5", "1,234", ",234", "年", "人次", "件", "%", "《", "》", "〔", "〕",
    "。", "，", "；", "：", "、", "！", "？", ".", ",", ";", ":", "(", ")", "（", "）", "“", "”", "\n",
    "依法行政", "存在的问题", "下一步打算", "针对", "问题", "报告", "县司法局",
]  # fmt: skip
ADVERSARIAL_CHUNK = st.lists(st.sampled_from(ADVERSARIAL_PARTS), min_size=1, max_size=40).map("".join)
SLOW_EXAMPLES = [HealthCheck.too_slow, HealthCheck.data_too_large]


@settings(max_examples=40, deadline=None, suppress_health_check=SLOW_EXAMPLES)
@given(ADVERSARIAL_CHUNK)
def test_100_kb_of_adversarial_text_is_parsed_without_error_and_never_hangs(chunk):
    """A drawn chunk of ``ADVERSARIAL_PARTS`` repeated to 100,000 characters (100 to 300 KB):
    never an error, every item's text cut from the cleaned text. Speed is bench/import_bench.py's
    to measure (its "worst inputs", target 1 s each); here only a hang fails: a parse that went
    quadratic would take hours on 100 KB, a linear one takes seconds even on a loaded machine."""
    text = chunk * (100_000 // len(chunk) + 1)
    with hang_guard(120):
        parsed = parse_report(text, directory=[UnitName(key=1, names=["县司法局", "司法局"])])
    for item in parsed.items:
        assert item.text and item.text in parsed.cleaned_text


@pytest.mark.parametrize(
    "text",
    [
        "某县2021年度法治政府建设情况报告 一、依法行政（一）做了3件事。（二）做了4件事。",
        "某县2021年度法治政府建设情况报告2021年，我县推进法治政府建设。一、依法行政（一）做了3件事。（二）做了4件事。",
    ],
)
def test_a_title_that_lost_its_line_break_is_cut_at_its_end(text):
    parsed = parse_report(text)
    assert parsed.title == "某县2021年度法治政府建设情况报告"
    assert [item.title for item in parsed.items] == ["做了3件事", "做了4件事"]


def test_a_body_sentence_that_reports_a_year_is_not_cut():
    parsed = parse_report(
        "某县工作情况\n现向县人大常委会报告2021年工作如下。\n一、依法行政\n（一）做了3件事。"
    )
    assert "现向县人大常委会报告2021年工作如下。" in parsed.preamble


def test_a_number_too_long_to_be_a_figure_is_not_one():
    found = extract_metrics("编号12345678901234567890件，共12件")
    assert [(m.value, m.unit) for m in found] == [(Decimal(12), "件")]
