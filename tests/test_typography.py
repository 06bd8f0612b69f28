"""Each language written its own way: "1 d 20 h left" and "Likely cause:" in English,
"1 j 20 h restantes" and "Cause probable :" (non-breaking spaces) in French."""

import datetime
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from interventions import people
from interventions.templatetags.interventions_tags import duration
from tests.procedures.conftest import build_printer_tree

NBSP = "\u00a0"
TEMPLATES = Path(settings.BASE_DIR) / "templates"
PO_FR = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize(
    ("delta", "english", "french"),
    [
        (datetime.timedelta(days=1, hours=20, minutes=5), "1 d 20 h", f"1{NBSP}j 20{NBSP}h"),
        (datetime.timedelta(hours=2, minutes=5), "2 h 05 min", f"2{NBSP}h{NBSP}05"),
        (datetime.timedelta(minutes=-7), "7 min", f"7{NBSP}min"),
    ],
)
def test_durations_use_each_languages_units(delta, english, french):
    with translation.override("en"):
        assert duration(delta) == english
    with translation.override("fr"):
        assert duration(delta) == french


def _badge(language):
    now = timezone.now()
    job = SimpleNamespace(
        deadline_at=now + datetime.timedelta(days=1, hours=20, minutes=30),
        requested_at=now - datetime.timedelta(hours=1),
        first_arrival_at=None,
    )
    with translation.override(language):
        return Template("{% load interventions_tags %}{% deadline_badge job %}").render(
            Context({"job": job})
        )


def test_the_deadline_badge_in_english_has_no_french_leftovers():
    badge = _badge("en")
    assert ">1 d 20 h left<" in badge
    assert 'title="Response deadline: ' in badge
    assert " j " not in badge and " :" not in badge


def test_the_deadline_badge_in_french_keeps_french_typography():
    badge = _badge("fr")
    assert f">1{NBSP}j 20{NBSP}h restantes<" in badge
    assert f"{NBSP}: " in badge and " : " not in badge


def test_likely_cause_reads_right_in_english_and_in_french(client, manager):
    tree = build_printer_tree(manager)
    client.force_login(manager)
    url = reverse("procedures-detail", args=[tree.pk])
    french = client.get(url).content.decode()
    assert f"Cause probable{NBSP}:</em> Tambour" in french
    people.user_language_set(user=manager, language="en")
    english = client.get(url).content.decode()
    assert "Likely cause:</em> Tambour" in english
    assert "Action to take:</em> Nettoyer" in english
    assert " :" not in re.sub(r"<script.*?</script>", "", english, flags=re.S)


def test_no_template_writes_a_french_space_before_a_colon():
    """A label's colon is `{% colon %}`: " :" (non-breaking) in French, ":" in English."""
    offenders = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in TEMPLATES.rglob("*.html")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"(%\}|\}\}|>) :(\s|<|$)", line)
    ]
    assert offenders == []


def _french_messages():
    text = PO_FR.read_text(encoding="utf-8")
    for block in text.split("\n\n")[1:]:
        for first, rest in re.findall(r'^msgstr(?:\[\d\])? "(.*)"((?:\n".*")*)', block, re.M):
            yield (first + rest).replace('"\n"', "")


def test_french_messages_use_non_breaking_spaces():
    """French typography: a non-breaking space before « : ; ! ? » and inside « »."""
    wrong = [
        message for message in _french_messages() if re.search(r" [:;!?](\s|$|\")|« | »", message)
    ]
    assert wrong == []
