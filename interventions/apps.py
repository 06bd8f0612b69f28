from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class InterventionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "interventions"
    verbose_name = _("Interventions")

    def ready(self):
        from .roles import ensure_role_groups

        post_migrate.connect(ensure_role_groups, sender=self)
        post_migrate.connect(reinstall_sqlite_triggers, sender=self)


def reinstall_sqlite_triggers(sender, using, **kwargs):
    """SQLite drops a table's triggers whenever a migration rebuilds the table: put the
    frozen-report triggers back (idempotent; PostgreSQL keeps its own through ALTER TABLE)."""
    from django.db import connections

    from . import integrity

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    if integrity.PERMIT_TABLE not in connection.introspection.table_names():
        return  # migrated back before the triggers existed
    integrity.sqlite_install(connection)
