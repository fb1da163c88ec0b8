"""Every report belongs to a government (issue 19). An installation that kept one
government's ledger moves, with no data lost, into one government: named from
settings.LEDGER_GOVERNMENT_NAME when set, else from the newest report's issuer, else 本级政府;
every unit and every report is attached to it. A report's year is then unique per government."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

DEFAULT_GOVERNMENT_NAME = "本级政府"


def attach_to_one_government(apps, schema_editor):
    Government = apps.get_model("tracker", "Government")
    Unit = apps.get_model("tracker", "Unit")
    AnnualReport = apps.get_model("reports", "AnnualReport")
    units = Unit.objects.filter(government__isnull=True)
    reports_ = AnnualReport.objects.filter(government__isnull=True)
    if not (units.exists() or reports_.exists()):
        return  # a fresh installation: its first government is made when first needed
    government = Government.objects.order_by("pk").first()
    if government is None:
        newest = AnnualReport.objects.exclude(issuer="").order_by("-year", "-pk").first()
        name = (
            getattr(settings, "LEDGER_GOVERNMENT_NAME", "")
            or (newest.issuer if newest is not None else "")
            or DEFAULT_GOVERNMENT_NAME
        )
        government = Government.objects.create(name=name[:100], level="county", path="-")
        government.path = f"{government.pk:05d}."
        government.save(update_fields=["path"])
    units.update(government=government)
    reports_.update(government=government)
    if schema_editor.connection.vendor == "postgresql":
        # Check the deferred foreign keys of these writes now: PostgreSQL refuses to alter a
        # table with checks still pending, and the next operations alter these tables.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0005_unit_ratings_from_tracker"),
        ("tracker", "0027_governments"),
    ]

    operations = [
        migrations.AddField(
            model_name="annualreport",
            name="government",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="reports",
                to="tracker.government",
                verbose_name="government",
            ),
        ),
        migrations.RunPython(attach_to_one_government, migrations.RunPython.noop),
        # Required, with no default in the schema: the model's save() fills in the only
        # government of a tree of one (a callable default would be called by the schema
        # editor itself, and write a government in the middle of a migration).
        migrations.AlterField(
            model_name="annualreport",
            name="government",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="reports",
                to="tracker.government",
                verbose_name="government",
            ),
        ),
        migrations.AlterField(
            model_name="annualreport",
            name="year",
            field=models.PositiveSmallIntegerField(verbose_name="year"),
        ),
        migrations.AddConstraint(
            model_name="annualreport",
            constraint=models.UniqueConstraint(fields=("government", "year"), name="report_unique_year_per_government"),
        ),
    ]
