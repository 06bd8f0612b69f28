"""Shared helpers of the tablet tests: drawn signatures and jobs at a given stage."""

import base64
import io

from django.utils import timezone
from PIL import Image, ImageDraw

from interventions import services
from tests.factories import make_intervention


def drawn_signature(width=1575, height=495, ink=True) -> str:
    """A canvas as the tablet sends it (device pixel ratio 2.25): transparent, with a stroke."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    if ink:
        draw = ImageDraw.Draw(image)
        draw.line(
            [(200, 300), (500, 120), (800, 350), (1200, 150)], fill=(11, 42, 111, 255), width=7
        )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def shown(job) -> str:
    """The fingerprint the sign page carries for this job's report, as it reads now."""
    return services.report_content(job)[1]


def shown_on_page(client, job) -> str:
    """The fingerprint a browser posts back: read from the sign page as it was rendered."""
    import re

    from django.urls import reverse

    body = client.get(reverse("interventions-sign", args=[job.pk])).content.decode()
    return re.search(r'name="shown_sha256" value="([0-9a-f]{64})"', body).group(1)


def assigned_job(technician, dispatcher=None, **kwargs):
    job = make_intervention(**kwargs)
    return services.intervention_assign(intervention=job, technician=technician, actor=dispatcher)


def finished_job(technician):
    """Visited, work described, departure stamped, awaiting signature."""
    job = assigned_job(technician)
    now = timezone.now()
    services.visit_record(
        intervention=job,
        technician=technician,
        arrived_at=now - timezone.timedelta(hours=1),
        left_at=now - timezone.timedelta(minutes=1),
    )
    services.report_update(intervention=job, work_done="Toner remplacé.", actor=technician)
    return services.report_submit(intervention=job, actor=technician)


def sign_both(job, technician):
    """The technician, then the customer (« Mme Roux »), sign the report as shown."""
    services.report_sign_technician(
        intervention=job, shown_sha256=shown(job), actor=technician, image=drawn_signature()
    )
    services.report_sign_customer(
        intervention=job,
        shown_sha256=shown(job),
        actor=technician,
        signatory_name="Mme Roux",
        image=drawn_signature(),
    )
    job.refresh_from_db()
    return job


def signed_job(technician):
    return sign_both(finished_job(technician), technician)
