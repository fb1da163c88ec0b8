"""A search index fit for Chinese on PostgreSQL: every two-character piece of an item's title
and source text, in a GIN index, so that a free-text search of two characters or more reads
the index instead of every text (see tracker.search). SQLite keeps the plain LIKE scan.

pg_trgm would not do: it needs three characters, and two-character words (复议, 执法, 调解)
are most of what people type. Nothing here needs an extension.
"""

from django.db import migrations

FUNCTION = r"""
CREATE OR REPLACE FUNCTION ledger_bigrams(title text, body text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT coalesce(array_agg(DISTINCT substr(t, i, 2)), '{}')
  FROM (SELECT title || E'\n' || body AS t) s, generate_series(1, char_length(t) - 1) AS i
$$
"""
INDEX = "CREATE INDEX IF NOT EXISTS item_bigrams_idx ON tracker_item USING gin (ledger_bigrams(title, text))"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)
        schema_editor.execute(INDEX)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS item_bigrams_idx")
        schema_editor.execute("DROP FUNCTION IF EXISTS ledger_bigrams(text, text)")


class Migration(migrations.Migration):
    dependencies = [("tracker", "0011_reviewers_read_the_access_logs")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
