"""The billing list's lines are written in Python for speed (`billing_row`, bench/README.md,
issue 14, last steps): what the manager gets must stay what the template wrote — same elements,
attributes, text and escaping — for every column choice and in both languages. The template it
replaces is kept beside this test (billing_row_template.html) as the reference."""

import datetime
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from clients.models import Client
from interventions import billing, services
from interventions.billing_forms import BillingFilterForm
from interventions.templatetags.interventions_tags import billing_row

from .billing_helpers import covered_equipment, signed_intervention
from .test_list_rendering import tree

pytestmark = pytest.mark.django_db

REFERENCE = (Path(__file__).parent / "billing_row_template.html").read_text()


@pytest.fixture
def lines(technician, manager, rates):
    plain = signed_intervention(technician)
    Client.objects.filter(pk=plain.client_id).update(name='Dupont & <Fils> "SARL"')
    covered = signed_intervention(technician, equipment=covered_equipment(labour=True, travel=True))
    billed = signed_intervention(technician, minutes=600)
    services.interventions_mark_billed(pks=[billed.pk], actor=manager)
    today = timezone.localdate()
    qs = billing.billable_queryset(
        date_from=today - datetime.timedelta(days=1),
        date_to=today,
        client_id=None,
        contract_id=None,
        statuses=BillingFilterForm.STATUSES["all"],
        date_basis=billing.SIGNED_DATE,
    )
    found = list(billing.billing_lines(qs))
    assert {line.pk for line in found} == {plain.pk, covered.pk, billed.pk}
    # Every branch of the row is there: not billed items, a contract, a billed date, a loss.
    assert any(not line.flags["labour"] for line in found)
    assert any(line.contract_number for line in found)
    assert any(line.billed_at for line in found)
    assert any(line.amounts.margin < 0 for line in found)
    return found


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("show_billed_on", [True, False])
@pytest.mark.parametrize("show_costs", [True, False])
def test_billing_row_writes_what_the_template_wrote(lines, language, show_billed_on, show_costs):
    reference = Template(
        "{% load i18n l10n interventions_tags %}{% for line in lines %}"
        + REFERENCE
        + "{% endfor %}"
    )
    with translation.override(language):
        for line in lines:
            context = Context(
                {"lines": [line], "show_billed_on": show_billed_on, "show_costs": show_costs}
            )
            expected = reference.render(context)
            written = billing_row(Context({}), line, show_billed_on, show_costs)
            assert tree(written) == tree(expected)
    assert "&lt;Fils&gt;" in "".join(
        billing_row(Context({}), line, show_billed_on, show_costs) for line in lines
    )


def test_billing_page_shows_the_rows(client, manager, lines):
    client.force_login(manager)
    response = client.get("/billing/?status=all")
    html = response.content.decode()
    for line in lines:
        assert f'data-number="{line.number}"' in html
