"""Unit ratings belong to the year they grade: the model moves from the tracker app to reports.

The table is renamed (tracker_unitrating -> reports_unitrating) with its rows; its content
type moves too, so the role groups' view permission and the admin's log entries follow it.
``READS`` is the role groups' state after this migration (the tests reseed it).
"""

import importlib

import django.db.models.deletion
from django.db import migrations, models

ROLES = importlib.import_module("tracker.migrations.0016_role_groups_read_only_in_admin")
READS = {
    role: [
        ("reports", codename) if (app_label, codename) == ("tracker", "view_unitrating") else (app_label, codename)
        for app_label, codename in reads
    ]
    for role, reads in ROLES.READS.items()
}


def _move_content_type(apps, source: str, target: str):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if ContentType.objects.filter(app_label=source, model="unitrating").exists():
        ContentType.objects.filter(app_label=target, model="unitrating").delete()
        ContentType.objects.filter(app_label=source, model="unitrating").update(app_label=target)


def forwards(apps, schema_editor):
    _move_content_type(apps, "tracker", "reports")


def backwards(apps, schema_editor):
    _move_content_type(apps, "reports", "tracker")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("reports", "0004_task_sheet"),
        ("tracker", "0019_item_year_set_by_its_creator"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="UnitRating",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("grade", models.CharField(choices=[("excellent", "Excellent"), ("good", "Good"), ("fair", "Fair")], max_length=10, verbose_name="grade")),
                        ("comment", models.TextField(blank=True, verbose_name="comment")),
                        ("report", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="ratings", to="reports.annualreport", verbose_name="annual report")),
                        ("unit", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="ratings", to="tracker.unit", verbose_name="unit")),
                    ],
                    options={
                        "verbose_name": "unit rating",
                        "verbose_name_plural": "unit ratings",
                        "ordering": ["report", "unit", "pk"],
                        "db_table": "tracker_unitrating",
                        "constraints": [
                            models.UniqueConstraint(fields=("report", "unit"), name="rating_unique_unit_per_year"),
                            models.CheckConstraint(condition=models.Q(("grade__in", ["excellent", "good", "fair"])), name="rating_grade_valid"),
                        ],
                    },
                ),
            ],
        ),
        migrations.AlterModelTable(name="unitrating", table=None),
        migrations.RunPython(forwards, backwards),
    ]
