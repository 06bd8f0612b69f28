"""Query filters of the lists (django-filter): a wrong value is a 400 with the field's error."""

import django_filters

from clients.models import Client, Contract, Equipment, Site

from ..models import Intervention, Priority, Status


class ClientFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")
    number = django_filters.CharFilter()
    city = django_filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Client
        fields = ["active", "number", "name", "city"]


class SiteFilter(django_filters.FilterSet):
    class Meta:
        model = Site
        fields = ["client"]


class ContractFilter(django_filters.FilterSet):
    active_on = django_filters.DateFilter(method="filter_active_on")

    class Meta:
        model = Contract
        fields = ["client", "kind", "active_on"]

    def filter_active_on(self, queryset, name, value):
        return queryset.filter(start_date__lte=value, end_date__gte=value)


class EquipmentFilter(django_filters.FilterSet):
    serial_number = django_filters.CharFilter()

    class Meta:
        model = Equipment
        fields = ["client", "site", "contract", "kind", "serial_number"]


class InterventionFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    priority = django_filters.TypedChoiceFilter(choices=Priority.choices, coerce=int)
    requested_from = django_filters.DateFilter(field_name="requested_at", lookup_expr="date__gte")
    requested_to = django_filters.DateFilter(field_name="requested_at", lookup_expr="date__lte")

    class Meta:
        model = Intervention
        fields = ["status", "priority", "client", "site", "equipment", "technician"]
