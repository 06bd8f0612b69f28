from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _

from . import integrity


class InterventionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "interventions"
    verbose_name = _("Interventions")

    def ready(self):
        # Imported here: roles imports the auth models, which are not loaded yet when Django
        # imports this module.
        from .roles import ensure_role_groups

        post_migrate.connect(ensure_role_groups, sender=self)
        pre_migrate.connect(drop_sqlite_triggers, sender=self)
        post_migrate.connect(install_sqlite_triggers, sender=self)


def drop_sqlite_triggers(sender, using, **kwargs):
    """SQLite rebuilds a table on most schema changes, which fails while a trigger names it:
    migrations run without the frozen-report triggers (interventions/integrity.py)."""
    connection = connections[using]
    if connection.vendor == "sqlite":
        integrity.sqlite_drop_triggers(connection)


def install_sqlite_triggers(sender, using, **kwargs):
    """…and get them back, for the tables as they now are, after every migrate (and flush).
    Idempotent; PostgreSQL keeps its triggers, from migration 0011, through ALTER TABLE."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    if integrity.PERMIT_TABLE not in connection.introspection.table_names():
        return  # migrated back before the triggers existed
    integrity.sqlite_install(connection)
