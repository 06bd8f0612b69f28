"""The list's filter form and the planning week are written in Python for speed
(bench/README.md, "List and planning rendering"): what the user gets must stay what crispy-forms
and the templates wrote: same elements, attributes, text and escaping."""

import datetime
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django.conf import settings
from django.template import Context, Template, TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from interventions import services
from interventions.filters import InterventionFilter
from interventions.models import Intervention
from interventions.sla import deadline_state
from interventions.templatetags.interventions_tags import crispy_field
from tests.factories import ClientFactory, make_intervention


class _Tree(HTMLParser):
    """Tags with their attributes (in any order) and the text, whitespace aside."""

    def __init__(self):
        super().__init__()
        self.items = []

    def handle_starttag(self, tag, attrs):
        self.items.append(("<", tag, tuple(sorted(attrs))))

    def handle_endtag(self, tag):
        self.items.append(("/", tag))

    def handle_data(self, data):
        if text := " ".join(data.split()):
            self.items.append(("text", text))


def tree(html: str) -> list:
    parser = _Tree()
    parser.feed(str(html))
    return parser.items


@pytest.mark.parametrize(
    "data",
    [
        {"status": "open"},
        {
            "status": "to_sign",
            "q": 'Dupont "&" <b>',
            "client": "Vial",
            "technician": "null",
            "priority": "4",
            "deadline": "late",
            "requested_after": "2026-01-31",
            "requested_before": "2026-02-28",
        },
        {"status": "", "requested_before": "2026-13-45", "priority": "9"},
    ],
)
def test_crispy_fields_are_written_as_crispy_writes_them(db, technician, other_technician, data):
    with translation.override("fr"):
        for name in InterventionFilter.base_filters:
            form = InterventionFilter(dict(data), queryset=Intervention.objects.all()).form
            assert tree(crispy_field(form[name])) == tree(as_crispy_field(form[name])), name


def test_crispy_field_with_a_technician_chosen(db, technician, other_technician):
    form = InterventionFilter(
        {"technician": str(other_technician.pk)}, queryset=Intervention.objects.all()
    ).form
    html = str(crispy_field(form["technician"]))
    assert f'<option value="{other_technician.pk}" selected>' in html
    assert tree(html) == tree(as_crispy_field(form["technician"]))


def test_planning_week_slots_and_overlaps_escaped(client, dispatcher, technician):
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday()) + datetime.timedelta(days=7)
    a = make_intervention(client=ClientFactory(name="Bar <Tabac> & Fils"))
    b = make_intervention()
    for job, start in [(a, 9), (b, 10)]:
        services.intervention_assign(
            intervention=job,
            technician=technician,
            scheduled_start=timezone.make_aware(
                datetime.datetime.combine(monday, datetime.time(start))
            ),
            scheduled_end=timezone.make_aware(
                datetime.datetime.combine(monday, datetime.time(start + 2))
            ),
        )
    technician.first_name, technician.last_name = "Zoé", "<L'Hôte>"
    technician.save()
    client.force_login(dispatcher)
    body = client.get(reverse("interventions-planning"), {"day": monday}).content.decode()
    url = reverse("interventions-detail", args=[a.pk])
    assert (
        f'<a href="{url}" class="planning-slot planning-slot-week planning-clash" '
        f'data-testid="slot-{a.number}"> <strong>09:00–11:00</strong> {a.number}<br>'
        "<small>Bar &lt;Tabac&gt; &amp; Fils</small></a>"
    ) in body
    assert "Bar <Tabac>" not in body
    assert f"<li>Zoé &lt;L&#x27;Hôte&gt;\u00a0: {a.number} et {b.number} en même temps</li>" in body


# What templates/interventions/_deadline_badge.html wrote before the badge moved to Python.
OLD_DEADLINE_BADGE = (
    "{% load i18n interventions_tags %}{% if d %}"
    '<span class="badge deadline-{{ d.state }}" data-deadline="{{ d.state }}" '
    "title=\"{% translate 'Response deadline' %}{% colon %} "
    "{{ d.deadline|date:'SHORT_DATETIME_FORMAT' }}\">"
    '{% if d.state == "overdue" %}{% blocktranslate with t=d.remaining|duration %}Overdue by '
    '{{ t }}{% endblocktranslate %}{% elif d.state == "at_risk" %}{% blocktranslate with '
    "t=d.remaining|duration %}At risk: {{ t }} left{% endblocktranslate %}"
    '{% elif d.state == "ok" %}{% blocktranslate with t=d.remaining|duration %}{{ t }} left'
    '{% endblocktranslate %}{% elif d.state == "met" %}{% translate "Deadline met" %}'
    '{% else %}{% translate "Deadline missed" %}{% endif %}</span>{% endif %}'
)


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize(
    "requested, deadline, arrived",
    [
        # Half a minute from a minute's edge: both renderings read the same minutes left.
        (-1, 44.5 + 1 / 120, None),  # ok
        (-20, 2 + 1 / 120, None),  # at risk
        (-9, -1.25 - 1 / 120, None),  # overdue
        (-9, -1, -3),  # met
        (-9, -5, -2),  # missed
        (-9, None, None),  # no deadline
    ],
)
def test_deadline_badge_writes_what_its_template_wrote(language, requested, deadline, arrived):
    now = timezone.now()
    hours = lambda h: None if h is None else now + datetime.timedelta(hours=h)  # noqa: E731
    job = SimpleNamespace(
        requested_at=hours(requested), deadline_at=hours(deadline), first_arrival_at=hours(arrived)
    )
    with translation.override(language):
        new = Template("{% load interventions_tags %}{% deadline_badge job %}").render(
            Context({"job": job})
        )
        old = Template(OLD_DEADLINE_BADGE).render(Context({"d": deadline_state(job)}))
    assert new == old
    assert (deadline is None) == (new == "")


def test_status_badge_and_detail_url_as_the_include_and_url_tag(db):
    job = make_intervention()
    context = Context({"i": job})
    new = Template(
        "{% load interventions_tags %}{{ i|detail_url }} "
        "{% status_badge i.status i.get_status_display %}"
    ).render(context)
    # What the url tag and the include interventions/_status_badge.html wrote.
    old = Template("{% url 'interventions-detail' i.pk %} ").render(context) + (
        f'<span class="badge badge-status-{job.status}" data-status="{job.status}">'
        f"{escape(job.get_status_display())}</span>"
    )
    assert new == old
    escaped = Template("{% load interventions_tags %}{% status_badge status label %}")
    assert escaped.render(Context({"status": "a&b", "label": "<i>x</i>"})) == (
        '<span class="badge badge-status-a&amp;b" data-status="a&amp;b">&lt;i&gt;x&lt;/i&gt;</span>'
    )


def test_the_status_badge_is_written_by_its_tag_only():
    """One writer of the badge's markup (`status_badge`): no template includes a partial that
    writes it again."""
    with pytest.raises(TemplateDoesNotExist):
        get_template("interventions/_status_badge.html")
    root = Path(settings.BASE_DIR)
    including = [
        str(path.relative_to(root))
        for folder in ("templates", "tests", "interventions", "clients", "procedures")
        for path in (root / folder).rglob("*.html")
        if "_status_badge.html" in path.read_text()
    ]
    assert including == []
