"""The dispatcher's list rows are written in Python for speed (`intervention_row`,
bench/README.md, issue 14, last steps): what the dispatcher gets must stay what the template
wrote — same elements, attributes, text and escaping — in both languages. The template it
replaces is kept beside this test (list_row_template.html) as the reference."""

import datetime
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from interventions import selectors, services
from interventions.filters import URGENCY_ORDER
from interventions.models import Intervention
from interventions.templatetags.interventions_tags import intervention_row
from tests.factories import ClientFactory, ContractFactory, SiteFactory, make_intervention

from .test_list_rendering import tree

pytestmark = pytest.mark.django_db

REFERENCE = (Path(__file__).parent / "list_row_template.html").read_text()


@pytest.fixture
def rows(technician, dispatcher):
    client = ClientFactory(name='Dupont & <Fils> "SARL"')
    site = SiteFactory(client=client, label="Dépôt <Nord>", city="Lyon & Co")
    contract = ContractFactory(client=client, response_time_hours=4)
    urgent = make_intervention(
        client=client, site=site, contract=contract, priority=4, object="<b>Panne</b> " * 20
    )
    high = make_intervention(client=client, priority=3, object="Écran noir")
    services.intervention_assign(intervention=urgent, technician=technician, actor=dispatcher)
    start = timezone.now() + datetime.timedelta(days=1)
    Intervention.objects.filter(pk=urgent.pk).update(
        scheduled_start=start, scheduled_end=start + datetime.timedelta(hours=2)
    )
    make_intervention(priority=1, object="Rien d'urgent")
    page = selectors.interventions_page(
        selectors.visible_interventions(dispatcher).order_by(*URGENCY_ORDER), 1
    )
    found = list(page)
    assert {i.pk for i in found} >= {urgent.pk, high.pk}
    # Every branch: both badges of priority, a site, a deadline, a technician and a slot.
    assert any(i.deadline_at for i in found) and any(i.site_id for i in found)
    assert any(i.scheduled_start for i in found) and any(i.technician_id for i in found)
    return found


@pytest.mark.parametrize("language", ["fr", "en"])
def test_intervention_row_writes_what_the_template_wrote(rows, language):
    reference = Template("{% load i18n interventions_tags %}" + REFERENCE)
    with translation.override(language):
        for i in rows:
            expected = reference.render(Context({"i": i}))
            assert tree(intervention_row(Context({}), i)) == tree(expected)


def test_list_page_shows_the_rows_escaped(client, dispatcher, rows):
    client.force_login(dispatcher)
    html = client.get("/interventions/").content.decode()
    for i in rows:
        assert f'data-testid="row-{i.number}"' in html
    assert "Dupont &amp; &lt;Fils&gt; &quot;SARL&quot;" in html
    assert "&lt;b&gt;Panne&lt;/b&gt;" in html
