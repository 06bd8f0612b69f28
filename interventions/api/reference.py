"""Clients, sites, contracts and equipment: read by the office (dispatcher, manager), as on the
intake pages; clients and sites created as the intake page creates them (`clients.services`).
A technician reads them through their jobs only (`interventions/`): 403 here, as on the
intake pages."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from clients import services as client_services
from clients.models import Client, Contract, Equipment, Site

from .. import selectors
from . import filters, permissions, serializers
from .base import ID, ApiLanguageMixin, errors

LIST = errors(400, 404)
READ = errors(404)
CREATE = errors(body=True)


class ReadOnly(ApiLanguageMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    permission_classes = [permissions.OFFICE]
    lookup_value_regex = ID


@extend_schema_view(
    list=extend_schema(
        summary="List clients", responses={200: serializers.ClientSerializer, **LIST}
    ),
    retrieve=extend_schema(
        summary="Read a client", responses={200: serializers.ClientSerializer, **READ}
    ),
    create=extend_schema(
        summary="Create a client (the intake page's « Nouveau client »)",
        request=serializers.ClientCreateSerializer,
        responses={201: serializers.ClientSerializer, **CREATE},
    ),
)
class ClientViewSet(ReadOnly, mixins.CreateModelMixin, viewsets.GenericViewSet):
    queryset = Client.objects.order_by("name", "pk")
    serializer_class = serializers.ClientSerializer
    filterset_class = filters.ClientFilter

    def create(self, request, *args, **kwargs):
        form = serializers.ClientCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        fields = ("name", "phone", "email", "address", "postal_code", "city")
        client = client_services.client_create(**{key: data[key] for key in fields})
        return Response(serializers.ClientSerializer(client).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="List sites", responses={200: serializers.SiteSerializer, **LIST}),
    retrieve=extend_schema(
        summary="Read a site", responses={200: serializers.SiteSerializer, **READ}
    ),
    create=extend_schema(
        summary="Create a site of a client (the intake page's « Nouveau site »)",
        request=serializers.SiteCreateSerializer,
        responses={201: serializers.SiteSerializer, **CREATE},
    ),
)
class SiteViewSet(ReadOnly, mixins.CreateModelMixin, viewsets.GenericViewSet):
    queryset = Site.objects.order_by("client_id", "label", "pk")
    serializer_class = serializers.SiteSerializer
    filterset_class = filters.SiteFilter

    def create(self, request, *args, **kwargs):
        form = serializers.SiteCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        client = selectors.active_client_or_none(request.data.get("client"))
        if client is None:
            return Response(
                {"client": [_("This client no longer exists: search again.")]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        fields = ("label", "address", "postal_code", "city", "contact_name", "contact_phone")
        site = client_services.site_create(client=client, **{key: data[key] for key in fields})
        return Response(serializers.SiteSerializer(site).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary="List contracts", responses={200: serializers.ContractSerializer, **LIST}
    ),
    retrieve=extend_schema(
        summary="Read a contract", responses={200: serializers.ContractSerializer, **READ}
    ),
)
class ContractViewSet(ReadOnly, viewsets.GenericViewSet):
    queryset = Contract.objects.order_by("client_id", "number", "pk")
    serializer_class = serializers.ContractSerializer
    filterset_class = filters.ContractFilter


@extend_schema_view(
    list=extend_schema(
        summary="List equipment", responses={200: serializers.EquipmentSerializer, **LIST}
    ),
    retrieve=extend_schema(
        summary="Read one piece of equipment",
        responses={200: serializers.EquipmentSerializer, **READ},
    ),
)
class EquipmentViewSet(ReadOnly, viewsets.GenericViewSet):
    queryset = Equipment.objects.order_by("client_id", "pk")
    serializer_class = serializers.EquipmentSerializer
    filterset_class = filters.EquipmentFilter
