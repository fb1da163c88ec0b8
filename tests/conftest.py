"""Fixtures: one logged-in client per role, and the units they belong to."""

import pytest
from django.test import Client

from tests.factories import LeaderFactory, ReviewerFactory, StaffFactory, UnitFactory, UserFactory


@pytest.fixture
def lead_unit(db):
    return UnitFactory(name="县司法局", short_name="司法局")


@pytest.fixture
def other_unit(db):
    return UnitFactory(name="县市场监督管理局", short_name="市场监管局")


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def staff_client(lead_unit):
    """Staff of the lead unit (县司法局)."""
    return _client_for(StaffFactory(username="staff1", units=[lead_unit]))


@pytest.fixture
def other_staff_client(other_unit):
    """Staff of another unit (县市场监督管理局)."""
    return _client_for(StaffFactory(username="staff2", units=[other_unit]))


@pytest.fixture
def reviewer_client(db):
    return _client_for(ReviewerFactory(username="reviewer"))


@pytest.fixture
def leader_client(db):
    return _client_for(LeaderFactory(username="leader"))


@pytest.fixture
def superuser_client(db):
    return _client_for(UserFactory(username="admin", is_superuser=True, is_staff=True))
