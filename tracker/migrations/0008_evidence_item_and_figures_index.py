"""Evidence rows name their item (filled from their progress update), and items get a
covering index for the dashboard's and scoreboard's per-year counts."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_items(apps, schema_editor):
    Evidence = apps.get_model("tracker", "Evidence")
    ProgressUpdate = apps.get_model("tracker", "ProgressUpdate")
    Evidence.objects.filter(item__isnull=True).update(
        item_id=Subquery(ProgressUpdate.objects.filter(pk=OuterRef("update_id")).values("item_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [("tracker", "0007_role_permissions_for_steering")]

    operations = [
        migrations.AddField(
            model_name="evidence",
            name="item",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="evidence",
                to="tracker.item",
                verbose_name="item",
            ),
        ),
        migrations.RunPython(fill_items, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="evidence",
            name="item",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="evidence",
                to="tracker.item",
                verbose_name="item",
            ),
        ),
        migrations.AddIndex(
            model_name="item",
            index=models.Index(
                fields=["year", "area", "lead_unit"],
                include=("status", "kind", "due_on", "done_at", "id"),
                name="item_figures_idx",
            ),
        ),
    ]
