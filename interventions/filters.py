"""The dispatcher's list: filters, free-text search and the urgency order."""

import django_filters
from django import forms
from django.db.models import (
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Lookup,
    Q,
    Subquery,
    Value,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from clients.search import query_words
from clients.selectors import words_q

from . import selectors
from .forms import TechnicianChoiceField
from .models import CLOSED_STATUSES, Intervention, Priority, Status, to_sign_q
from .sla import AT_RISK_SHARE

OPEN = "open"
TO_SIGN = "to_sign"  # work done, not signed: `models.to_sign_q`
OVERDUE, AT_RISK, LATE_OR_AT_RISK = "overdue", "at_risk", "late"

# Most urgent first: the nearest response deadline (overdue ones first), then the priority,
# then the oldest call. Interventions without a deadline come after those with one.
URGENCY_ORDER = (F("deadline_at").asc(nulls_last=True), "-priority", "requested_at", "pk")


def _waiting(now):
    """Open, with a deadline, and nobody on site yet: the clock is still running."""
    return Q(deadline_at__isnull=False, first_arrival_at__isnull=True) & ~Q(
        status__in=CLOSED_STATUSES
    )


def overdue_q(now) -> Q:
    return _waiting(now) & Q(deadline_at__lt=now)


def with_at_risk_alias(qs, now):
    """Alias `left_scaled` = time left ÷ AT_RISK_SHARE and `allowed` = time allowed, so that
    "at risk" (under 25 % of the allowed time left) is one comparison in SQL."""
    left = F("deadline_at") - Value(now, output_field=DateTimeField())
    return qs.alias(
        allowed=ExpressionWrapper(F("deadline_at") - F("requested_at"), DurationField()),
        left_scaled=ExpressionWrapper(left * int(1 / AT_RISK_SHARE), DurationField()),
    )


def at_risk_q(now) -> Q:
    return _waiting(now) & Q(deadline_at__gte=now, left_scaled__lt=F("allowed"))


class InSubquery(Lookup):
    """`lhs IN (subquery)`; on PostgreSQL `lhs = ANY(ARRAY(subquery))`: the subquery runs once
    and the index on `lhs` serves it, even inside an OR (a BitmapOr with the trigram index),
    where `IN (subquery)` would filter a scan of the whole table (10 times slower at 100,000
    interventions: bench/README.md)."""

    lookup_name = "in_subquery"

    def as_sql(self, compiler, connection, template="%s IN %s"):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return template % (lhs, rhs), (*lhs_params, *rhs_params)

    def as_postgresql(self, compiler, connection):
        return self.as_sql(compiler, connection, template="%s = ANY(ARRAY%s)")


def client_matches(words: list[str]) -> InSubquery:
    """The intervention's client contains every word in its `search_text`."""
    clients = Client.objects.filter(words_q(words, "search_text")).values("pk")
    return InSubquery(F("client_id"), Subquery(clients))


class TechnicianOrNoneField(django_filters.fields.ModelChoiceField, TechnicianChoiceField):
    """Technicians by full name, plus django-filter's "not assigned" (null) choice."""


class TechnicianFilter(django_filters.ModelChoiceFilter):
    field_class = TechnicianOrNoneField


class InterventionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        widget=forms.TextInput(
            attrs={"placeholder": _("Number, client, phone, object…"), "type": "search"}
        ),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[(OPEN, _("Open (all)")), (TO_SIGN, _("To have signed")), *Status.choices],
        method="filter_status",
        empty_label=_("Any status"),
    )
    technician = TechnicianFilter(
        label=_("Technician"),
        queryset=selectors.technicians(),
        null_label=_("Not assigned"),
        empty_label=_("Any technician"),
    )
    client = django_filters.CharFilter(
        label=_("Client"),
        method="filter_client",
        widget=forms.TextInput(attrs={"placeholder": _("Name or number")}),
    )
    priority = django_filters.ChoiceFilter(
        label=_("Priority"), choices=Priority.choices, empty_label=_("Any priority")
    )
    deadline = django_filters.ChoiceFilter(
        label=_("Deadline"),
        choices=[
            (LATE_OR_AT_RISK, _("Overdue or at risk")),
            (OVERDUE, _("Overdue")),
            (AT_RISK, _("At risk")),
        ],
        method="filter_deadline",
        empty_label=_("Any deadline"),
    )
    requested_after = django_filters.DateFilter(
        label=_("Requested from"),
        field_name="requested_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    requested_before = django_filters.DateFilter(
        label=_("Requested until"),
        field_name="requested_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Intervention
        fields = []

    def filter_search(self, qs, name, value):
        """Every word of the query in the intervention's number or object, or in its client
        (name, number, city, postal code, phone, sites), accents and case aside: both sides
        normalised by clients/search.py, the same on SQLite and PostgreSQL."""
        words = query_words(value)
        if not words:
            return qs
        condition = Q()
        for word in words:
            condition &= Q(search_text__contains=word) | Q(client_matches([word]))
        return qs.filter(condition)

    def filter_status(self, qs, name, value):
        if value == OPEN:
            return qs.exclude(status__in=CLOSED_STATUSES)
        if value == TO_SIGN:
            return qs.filter(to_sign_q())
        return qs.filter(status=value)

    def filter_client(self, qs, name, value):
        words = query_words(value)
        if not words:
            return qs
        return qs.filter(client_matches(words))

    def filter_deadline(self, qs, name, value):
        now = timezone.now()
        if value == OVERDUE:
            return qs.filter(overdue_q(now))
        qs = with_at_risk_alias(qs, now)
        if value == AT_RISK:
            return qs.filter(at_risk_q(now))
        return qs.filter(overdue_q(now) | at_risk_q(now))
