from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from interventions.views import site

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", site.language_set, name="set_language"),
    path("favicon.ico", site.favicon, name="favicon"),
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
