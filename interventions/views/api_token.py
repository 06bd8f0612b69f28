"""« Mon jeton d'API »: each user reads and regenerates their own token of the REST API
(README, « API REST »). A manager may also manage tokens in the admin."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from ..services import api_token_regenerate


@login_required
def api_token(request):
    token = Token.objects.filter(user=request.user).first()
    if request.method == "POST":
        api_token_regenerate(user=request.user)
        if token is None:
            messages.success(request, _("Your API token is ready."))
        else:
            messages.success(
                request, _("Your new API token is ready; the old one no longer works.")
            )
        return redirect("interventions-api-token")
    return render(request, "interventions/api_token.html", {"token": token})
