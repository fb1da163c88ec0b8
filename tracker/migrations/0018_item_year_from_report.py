from django.db import migrations
from django.db.models import OuterRef, Subquery


def year_from_report(apps, schema_editor):
    """Items kept their report's year through save(); make sure every one does before the
    database itself requires a year (an item written in bulk without it would hold 0)."""
    Item = apps.get_model("tracker", "Item")
    AnnualReport = apps.get_model("reports", "AnnualReport")
    report_year = AnnualReport.objects.filter(pk=OuterRef("report_id")).values("year")[:1]
    Item.objects.exclude(year=Subquery(report_year)).update(year=Subquery(report_year))


class Migration(migrations.Migration):
    """Data only, in a migration of its own: PostgreSQL does not alter a table in the
    transaction that has just updated its rows."""

    dependencies = [
        ("reports", "0004_task_sheet"),
        ("tracker", "0017_item_achievements_stated_in_responsible"),
    ]

    operations = [migrations.RunPython(year_from_report, migrations.RunPython.noop)]
