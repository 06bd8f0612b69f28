"""The dashboard's table cells are written in Python for speed (`stat_rows`, bench/README.md,
issue 14, last steps): what the manager gets must stay what the template wrote — the same cells,
classes, « — » for an empty value, localised numbers, escaped text — in both languages. The
template it replaces is kept beside this test (stat_rows_template.html) as the reference."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from interventions import stats
from interventions.templatetags.interventions_tags import stat_rows
from tests.factories import ClientFactory, make_intervention

from .billing_helpers import signed_intervention
from .test_list_rendering import tree

REFERENCE = (Path(__file__).parent / "stat_rows_template.html").read_text()

ROWS = [
    ["Dupont & <Fils>", 1234, Decimal("12.5"), None],
    ["11/2026", 0, Decimal("1234567.25"), Decimal("-3.0")],
    ['« Écran » "noir"', None, 7, "à risque"],
]


def _written(rows) -> str:
    return f"<tbody>{stat_rows(rows)}</tbody>"


def _reference(rows) -> str:
    template = Template("{% load l10n %}" + REFERENCE)
    return template.render(Context({"table": {"rows": rows}}))


@pytest.mark.parametrize("language", ["fr", "en"])
def test_stat_rows_writes_what_the_template_wrote(language):
    with translation.override(language):
        assert tree(_written(ROWS)) == tree(_reference(ROWS))
        assert "&lt;Fils&gt;" in stat_rows(ROWS)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_dashboard_table_as_the_template_wrote_it(technician, rates, language):
    signed_intervention(technician)
    make_intervention(client=ClientFactory(name="Vial & <Cie>"))
    today = timezone.localdate()
    with translation.override(language):
        tables = stats.dashboard_tables(today - datetime.timedelta(days=30), today)
        assert sum(len(t.rows) for t in tables) > 5
        for table in tables:
            assert tree(_written(table.rows)) == tree(_reference(table.rows)), table.key
