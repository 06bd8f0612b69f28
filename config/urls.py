from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from interventions.views import site, tablet_app

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", site.language_set, name="set_language"),
    path("favicon.ico", site.favicon, name="favicon"),
    # The tablet app: served from the root so that the worker controls every page (tablet_app).
    path("sw.js", tablet_app.service_worker, name="tablet-service-worker"),
    path("manifest.webmanifest", tablet_app.manifest, name="tablet-manifest"),
    path("procedures/", include("procedures.urls")),
    path("api/", include("interventions.api.urls")),
    path("", include("interventions.urls")),
]

# No route to the media folder, DEBUG included: signed PDFs go through views that check who asks
# (interventions/views/reports.py; docs/reliability.md, « Fichiers »).

# The error pages, in the site's layout and the user's language (README, "Langue").
handler403 = site.permission_denied
handler404 = site.page_not_found
handler500 = site.server_error
