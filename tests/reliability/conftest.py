import pytest
from django.db import transaction
from django.test import override_settings

from .world import build_world


@pytest.fixture(scope="package")
def world_media(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, world_media):
    """Overrides the suite's fixture: the tests read the world's files (signed PDFs)."""
    settings.MEDIA_ROOT = world_media


@pytest.fixture(scope="package")
def world(django_db_setup, django_db_blocker, world_media):
    """The world of `world.py`, built once for the package inside a transaction rolled back at the
    end of the package (as Django's TestCase.setUpTestData): each test's own transaction nests
    as a savepoint."""
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=world_media):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            built = build_world()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)
