"""Free-text search: substring match over titles and source texts, the same answers on
SQLite and PostgreSQL; on PostgreSQL the bigram index (migration 0012) serves it."""

import pytest
from django.db import connection
from django.urls import reverse

from tests.factories import AnnualReportFactory, ItemFactory
from tracker.models import Item
from tracker.search import MAX_BIGRAMS, bigrams, search_items

pytestmark = pytest.mark.django_db


@pytest.fixture
def items():
    report = AnnualReportFactory(year=2023)
    return {
        "title": ItemFactory(report=report, title="推进行政复议规范化建设", text="全年办理案件。"),
        "text": ItemFactory(report=report, title="法律援助", text="依法办理行政复议案件12件。"),
        "scattered": ItemFactory(report=report, title="执法检查", text="法执两字分开出现。"),
        "latin": ItemFactory(report=report, title="OFD 电子证照", text="支持 PDF 与 OFD。"),
        "other": ItemFactory(report=report, title="普法宣传", text="开展宪法宣传周活动。"),
    }


def found(words):
    return set(search_items(Item.objects.all(), words).values_list("title", flat=True))


def test_a_search_finds_words_in_the_title_or_the_source_text(items):
    assert found("行政复议") == {"推进行政复议规范化建设", "法律援助"}
    assert found("复议规范化建设") == {"推进行政复议规范化建设"}
    assert found("12件") == {"法律援助"}


def test_all_pieces_present_but_not_together_is_not_a_match(items):
    # 执法 and 法执 are both in the third item, 执法执 is not: the substring check decides.
    assert found("执法执") == set()
    assert found("法执") == {"执法检查"}


def test_one_character_and_latin_words(items):
    assert found("援") == {"法律援助"}
    assert found("OFD") == {"OFD 电子证照"}
    assert found("ofd") == {"OFD 电子证照"}  # Latin letters match whatever their case
    assert found("pdf 与 ofd") == {"OFD 电子证照"}
    assert found("ofd 与") == set()


def test_a_long_phrase_is_narrowed_by_a_few_pieces_and_still_exact(items):
    phrase = "依法办理行政复议案件12件。"
    assert len(bigrams(phrase)) == MAX_BIGRAMS
    assert found(phrase) == {"法律援助"}
    assert found(phrase.replace("12", "13")) == set()


def test_bigrams_are_distinct_pieces_of_two_characters_without_latin_letters():
    assert bigrams("执法") == ["执法"]
    assert bigrams("执法执法") == ["执法", "法执"]
    assert bigrams("援") == []
    assert bigrams("OFD格式") == ["格式"]


def test_the_list_page_searches_the_same_way(reviewer_client, items):
    content = reviewer_client.get(reverse("tracker:items"), {"q": "行政复议", "year": "all"}).content.decode()
    assert "推进行政复议规范化建设" in content and "法律援助" in content and "普法宣传" not in content


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the bigram index exists on PostgreSQL only")
def test_postgresql_reads_the_bigram_index(items):
    query = search_items(Item.objects.all(), "行政复议")
    with connection.cursor() as cursor:
        # A tiny table is read whole whatever the indexes; forbid that, and fresh statistics
        # (transactional tests empty the table now and then) let the planner weigh the index.
        cursor.execute("ANALYZE tracker_item")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        sql, params = query.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "item_bigrams_idx" in plan, plan
