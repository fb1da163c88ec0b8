"""Governments as a tree (issue 19): the Government model, each user's government
(Affiliation), and a government for every unit, nullable until reports' 0006 has put every
existing unit and report into one government (tracker 0028 then requires it)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0026_escalations"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Government",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                ("short_name", models.CharField(blank=True, max_length=50, verbose_name="short name")),
                (
                    "level",
                    models.CharField(
                        choices=[
                            ("province", "Province"),
                            ("city", "City"),
                            ("county", "County (district)"),
                            ("township", "Township (subdistrict)"),
                            ("department", "Department"),
                        ],
                        default="county",
                        max_length=20,
                        verbose_name="level",
                    ),
                ),
                ("path", models.CharField(editable=False, max_length=255, unique=True, verbose_name="path in the tree")),
                (
                    "parent",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="children",
                        to="tracker.government",
                        verbose_name="parent government",
                    ),
                ),
            ],
            options={
                "verbose_name": "government",
                "verbose_name_plural": "governments",
                "ordering": ["path", "pk"],
                "constraints": [
                    models.UniqueConstraint(fields=("parent", "name"), name="government_unique_name_per_parent"),
                    models.UniqueConstraint(
                        condition=models.Q(("parent__isnull", True)),
                        fields=("name",),
                        name="government_unique_root_name",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("level__in", ["province", "city", "county", "township", "department"])),
                        name="government_level_valid",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="Affiliation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="affiliation",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
                (
                    "government",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="affiliations",
                        to="tracker.government",
                        verbose_name="government",
                    ),
                ),
            ],
            options={
                "verbose_name": "government of a user",
                "verbose_name_plural": "governments of users",
                "ordering": ["government", "user", "pk"],
            },
        ),
        migrations.AddField(
            model_name="unit",
            name="government",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="units",
                to="tracker.government",
                verbose_name="government",
            ),
        ),
    ]
