"""Seed the areas of both national frameworks and the cross-cutting ones."""

from django.db import migrations

AREAS = [
    # 法治政府建设实施纲要(2015-2020): seven main tasks.
    ("2015-functions", "依法全面履行政府职能", "2015-2020", 1),
    ("2015-rules", "完善依法行政制度体系", "2015-2020", 2),
    ("2015-decisions", "推进行政决策科学化民主化法治化", "2015-2020", 3),
    ("2015-enforcement", "坚持严格规范公正文明执法", "2015-2020", 4),
    ("2015-oversight", "强化对行政权力的制约和监督", "2015-2020", 5),
    ("2015-disputes", "依法有效化解社会矛盾纠纷", "2015-2020", 6),
    ("2015-capacity", "全面提高政府工作人员法治思维和依法行政能力", "2015-2020", 7),
    # 法治政府建设实施纲要(2021-2025): eight systems.
    ("2021-functions", "政府机构职能体系", "2021-2025", 1),
    ("2021-rules", "依法行政制度体系", "2021-2025", 2),
    ("2021-decisions", "行政决策制度体系", "2021-2025", 3),
    ("2021-enforcement", "行政执法工作体系", "2021-2025", 4),
    ("2021-emergencies", "突发事件应对体系", "2021-2025", 5),
    ("2021-disputes", "社会矛盾纠纷行政预防调处化解体系", "2021-2025", 6),
    ("2021-oversight", "行政权力制约和监督体系", "2021-2025", 7),
    ("2021-digital", "法治政府建设科技保障体系(数字法治政府)", "2021-2025", 8),
    # Cross-cutting.
    ("leaders-duty", "党政主要负责人履行推进法治建设第一责任人职责", "cross", 1),
    ("party-leadership", "党的领导与推进机制", "cross", 2),
    ("other", "其他", "cross", 3),
]


def seed(apps, schema_editor):
    Area = apps.get_model("tracker", "Area")
    for code, name, framework, order in AREAS:
        Area.objects.update_or_create(code=code, defaults={"name": name, "framework": framework, "order": order})


def unseed(apps, schema_editor):
    apps.get_model("tracker", "Area").objects.filter(code__in=[a[0] for a in AREAS]).delete()


class Migration(migrations.Migration):
    dependencies = [("tracker", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
