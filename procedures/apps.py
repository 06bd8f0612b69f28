from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from interventions import extensions


class ProceduresConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "procedures"
    verbose_name = _("Procedures")

    def ready(self):
        # Imported here: they import models, which the app registry loads after this module.
        from . import selectors, services

        extensions.on_intervention_created.register("procedures", services.attach_procedures)
        extensions.signature_blockers.register("procedures", selectors.signature_blockers)
        extensions.snapshot_extras.register("acceptance", selectors.acceptance_extras)
        extensions.offline_extras.register("procedures", selectors.offline_procedures)
