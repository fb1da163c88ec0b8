"""Every unit belongs to a government (reports 0006 attached the existing ones); a unit's
name is unique within its government (two counties each have a 县司法局)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0027_governments"),
        ("reports", "0006_report_government"),
    ]

    operations = [
        # Required, with no default in the schema: the model's save() fills in the only
        # government of a tree of one (a callable default would be called by the schema
        # editor itself, and write a government in the middle of a migration).
        migrations.AlterField(
            model_name="unit",
            name="government",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="units",
                to="tracker.government",
                verbose_name="government",
            ),
        ),
        migrations.AlterField(
            model_name="unit",
            name="name",
            field=models.CharField(max_length=100, verbose_name="name"),
        ),
        migrations.AddConstraint(
            model_name="unit",
            constraint=models.UniqueConstraint(fields=("government", "name"), name="unit_unique_name_per_government"),
        ),
    ]
