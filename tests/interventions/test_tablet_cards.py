"""The technician's « Mes interventions » cards are written in Python for speed (`tablet_card`,
bench/README.md, « Charge mixte : dernière étape »): what the tablet gets must stay what the
template wrote — same elements, attributes, text and escaping — in both languages. The template
it replaces is kept beside this test (tablet_card_template.html) as the reference."""

import datetime
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from interventions import selectors, services
from interventions.models import Intervention
from interventions.templatetags.interventions_tags import tablet_card
from tests.factories import (
    ClientFactory,
    ContractFactory,
    EquipmentFactory,
    SiteFactory,
    make_intervention,
)

from .test_list_rendering import tree

pytestmark = pytest.mark.django_db

REFERENCE = (Path(__file__).parent / "tablet_card_template.html").read_text()


@pytest.fixture
def agenda(technician, dispatcher):
    client = ClientFactory(name='Dupont & <Fils> "SARL"', city="Lyon & <Co>")
    site = SiteFactory(client=client, label="Dépôt", address="3 rue <des> Lilas", city="Vaulx")
    contract = ContractFactory(client=client, response_time_hours=4)
    equipment = EquipmentFactory(client=client, site=site, brand="HP & Co", model="<M404>")
    jobs = [
        # A site, an equipment, a contract (deadline badge), planned today: every branch.
        make_intervention(equipment=equipment, contract=contract, object="<b>Panne</b> " * 20),
        # No site: the client's address; no equipment; planned in three days.
        make_intervention(client=client, object="Écran noir d'après l'utilisateur"),
        # Never planned.
        make_intervention(client=client, object="Rien d'urgent"),
    ]
    for job in jobs:
        services.intervention_assign(intervention=job, technician=technician, actor=dispatcher)
    now = timezone.now()
    for job, start in zip(jobs[:2], (now, now + datetime.timedelta(days=3)), strict=True):
        Intervention.objects.filter(pk=job.pk).update(
            scheduled_start=start, scheduled_end=start + datetime.timedelta(hours=2)
        )
    found = selectors.technician_agenda(technician)
    assert len(found.today) == len(found.upcoming) == len(found.unplanned) == 1
    return found


@pytest.mark.parametrize("language", ["fr", "en"])
def test_tablet_card_writes_what_the_template_wrote(agenda, language):
    reference = Template("{% load i18n interventions_tags %}" + REFERENCE)
    with translation.override(language), timezone.override("Europe/Paris"):
        for intervention in agenda.today + agenda.upcoming + agenda.unplanned:
            expected = reference.render(Context({"intervention": intervention}))
            assert tree(tablet_card(Context({}), intervention)) == tree(expected)


def test_my_interventions_page_shows_the_cards_escaped(client, technician, agenda):
    client.force_login(technician)
    html = client.get("/interventions/mine/").content.decode()
    for intervention in agenda.today + agenda.upcoming + agenda.unplanned:
        assert f'data-testid="job-{intervention.number}"' in html
        assert f'href="/interventions/{intervention.pk}/work/"' in html
    assert "Dupont &amp; &lt;Fils&gt; &quot;SARL&quot;" in html
    assert "3 rue &lt;des&gt; Lilas" in html and "HP &amp; Co &lt;M404&gt;" in html
    assert "&lt;b&gt;Panne&lt;/b&gt;" in html and "Ouvrir la fiche" in html
