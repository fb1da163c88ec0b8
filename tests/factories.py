"""factory-boy factories shared by every test."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from reports.models import AnnualReport, Section, UnitRating
from tracker import roles
from tracker.choices import ItemKind, ItemStatus, UnitKind
from tracker.ledger_cache import ledger_changed
from tracker.models import (
    Affiliation,
    Area,
    Government,
    Item,
    Membership,
    Metric,
    ProgressUpdate,
    Review,
    Unit,
)


class LedgerFactory(factory.django.DjangoModelFactory):
    """A ledger row made by a test stands for a write that a service makes, and says so as
    the service does (tracker.ledger_cache): a page cached before it then counts it."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        instance = super()._create(model_class, *args, **kwargs)
        ledger_changed()
        return instance


class GovernmentFactory(LedgerFactory):
    class Meta:
        model = Government

    name = factory.Sequence(lambda n: f"测试县{n}")
    level = "county"


class UnitFactory(LedgerFactory):
    class Meta:
        model = Unit

    # The installation's only government when the test says none (a tree of one).
    government = factory.LazyFunction(Government.sole)
    name = factory.Sequence(lambda n: f"县测试局{n}")
    short_name = factory.Sequence(lambda n: f"测试局{n}")
    kind = UnitKind.DEPARTMENT


def _join_group(user, create, group_name):
    if create and group_name:
        user.groups.add(Group.objects.get(name=group_name))


def _role(default_group):
    """A post-generation hook that puts the user in ``default_group`` unless told otherwise."""
    return factory.PostGeneration(
        lambda user, create, extracted, **kw: _join_group(user, create, extracted or default_group)
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.django.Password("correct-horse-battery")

    role = factory.PostGeneration(lambda user, create, extracted, **kw: _join_group(user, create, extracted))

    @factory.post_generation
    def units(self, create, extracted, **kwargs):
        if create and extracted:
            for unit in extracted:
                Membership.objects.create(user=self, unit=unit)

    @factory.post_generation
    def government(self, create, extracted, **kwargs):
        """``government=``: the user's own government (Affiliation)."""
        if create and extracted:
            Affiliation.objects.create(user=self, government=extracted)


class StaffFactory(UserFactory):
    role = _role(roles.STAFF)


class ReviewerFactory(UserFactory):
    role = _role(roles.REVIEWER)


class LeaderFactory(UserFactory):
    role = _role(roles.LEADER)


class AnnualReportFactory(LedgerFactory):
    class Meta:
        model = AnnualReport
        django_get_or_create = ("government", "year")

    government = factory.LazyFunction(Government.sole)
    year = factory.Sequence(lambda n: 2001 + n % 90)
    title = factory.LazyAttribute(lambda o: f"测试县{o.year}年度法治政府建设工作报告")
    issuer = "测试县人民政府"


class SectionFactory(LedgerFactory):
    class Meta:
        model = Section

    report = factory.SubFactory(AnnualReportFactory)
    number = "一、"
    heading = factory.Sequence(lambda n: f"章节{n}")
    order = factory.Sequence(lambda n: n)


class ItemFactory(LedgerFactory):
    class Meta:
        model = Item

    report = factory.SubFactory(AnnualReportFactory)
    # As the services do: the item's year is its report's (save() does not copy it).
    year = factory.LazyAttribute(lambda o: o.report.year)
    kind = ItemKind.TASK
    title = factory.Sequence(lambda n: f"工作任务{n}")
    text = factory.LazyAttribute(lambda o: f"{o.title}。全面推进依法行政。")
    # A unit of the item's government (its report's).
    lead_unit = factory.SubFactory(UnitFactory, government=factory.SelfAttribute("..report.government"))
    status = ItemStatus.NOT_STARTED
    order = factory.Sequence(lambda n: n)
    area = factory.LazyFunction(lambda: Area.objects.get(code="2015-functions"))


class MetricFactory(LedgerFactory):
    class Meta:
        model = Metric

    item = factory.SubFactory(ItemFactory)
    label = "政务服务事项"
    value = 1202
    unit = "项"


class ProgressUpdateFactory(LedgerFactory):
    class Meta:
        model = ProgressUpdate

    item = factory.SubFactory(ItemFactory)
    author = factory.SubFactory(StaffFactory)
    note = "已完成初稿。"


class ReviewFactory(LedgerFactory):
    class Meta:
        model = Review

    item = factory.SubFactory(ItemFactory)
    reviewer = factory.SubFactory(ReviewerFactory)
    decision = "approve"


class UnitRatingFactory(LedgerFactory):
    class Meta:
        model = UnitRating

    report = factory.SubFactory(AnnualReportFactory)
    unit = factory.SubFactory(UnitFactory)
    grade = "excellent"
