"""Unit ratings moved to the reports app (reports 0005 renamed the table and kept its rows)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0019_item_year_set_by_its_creator"),
        ("reports", "0005_unit_ratings_from_tracker"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="UnitRating")]),
    ]
