"""The API's browsable page: Swagger UI from static/vendor (no CDN), started by a static
script (CSP: script-src 'self', no inline code)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
@login_required
def api_docs(request):
    return render(request, "interventions/api_docs.html")
