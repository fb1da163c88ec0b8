from django.db import migrations, models


class Migration(migrations.Migration):
    """An item's year is set by whatever creates it, no longer by save(): no default, and the
    database refuses an item without a year (as it refuses a report outside 1990-2100)."""

    dependencies = [("tracker", "0018_item_year_from_report")]

    operations = [
        migrations.AlterField(
            model_name="item",
            name="year",
            field=models.PositiveSmallIntegerField(editable=False, verbose_name="year"),
        ),
        migrations.AddConstraint(
            model_name="item",
            constraint=models.CheckConstraint(
                condition=models.Q(("year__gte", 1990), ("year__lte", 2100)), name="item_year_in_range"
            ),
        ),
    ]
