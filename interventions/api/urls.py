from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from . import billing, docs, errors, interventions, reference

app_name = "api"

router = SimpleRouter()
router.register("clients", reference.ClientViewSet, basename="client")
router.register("sites", reference.SiteViewSet, basename="site")
router.register("contracts", reference.ContractViewSet, basename="contract")
router.register("equipment", reference.EquipmentViewSet, basename="equipment")
router.register("interventions", interventions.InterventionViewSet, basename="intervention")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/billing/rows/", billing.BillingRowsView.as_view(), name="billing-rows"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs.api_docs, name="docs"),
    # Anything else under /api/ (an id that is not a number included): a JSON 404, not the
    # site's HTML page.
    re_path(r"^", errors.not_found),
]
