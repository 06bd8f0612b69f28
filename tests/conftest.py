import pytest
from django.db import connection

from interventions import roles
from tests.factories import UserFactory


@pytest.fixture
def dispatcher(db):
    return UserFactory(username="dispatcher", role=roles.DISPATCHER)


@pytest.fixture
def technician(db):
    return UserFactory(username="technician", role=roles.TECHNICIAN)


@pytest.fixture
def other_technician(db):
    return UserFactory(username="technician2", role=roles.TECHNICIAN)


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", role=roles.MANAGER)


@pytest.fixture
def nobody(db):
    """A logged-in user with no role: sees nothing."""
    return UserFactory(username="nobody")


@pytest.fixture
def admin_user(db, django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.com", "root-pass-123")


def pytest_collection_modifyitems(config, items):
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL: set DATABASE_URL=postgres://… (make test in CI)"
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Signed PDFs and signatures written by a test never land in the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"
