import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from clients.models import Client, Contract, Equipment, Site
from interventions import services
from interventions.models import Part
from interventions.roles import GROUP_NAMES, ensure_role_groups


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.PostGenerationMethodCall("set_password", "secret-pass-123")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            ensure_role_groups()
            self.groups.add(Group.objects.get(name=GROUP_NAMES[extracted]))
        self.save()


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    number = factory.Sequence(lambda n: f"CLI-{n + 1:05d}")
    name = factory.Faker("company", locale="fr_FR")
    address = factory.Faker("street_address", locale="fr_FR")
    postal_code = "69003"
    city = "Lyon"
    phone = factory.Sequence(lambda n: f"04 78 {n // 100 % 100:02d} {n % 100:02d} 00")


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    client = factory.SubFactory(ClientFactory)
    label = "Siège"
    address = factory.Faker("street_address", locale="fr_FR")
    postal_code = "69003"
    city = "Lyon"


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    client = factory.SubFactory(ClientFactory)
    number = factory.Sequence(lambda n: f"MAINT-2026-{n + 1:03d}")
    kind = Contract.Kind.MAINTENANCE
    start_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=100))
    end_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=265))
    response_time_hours = 8
    covers_labour = True
    covers_travel = True


class EquipmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Equipment

    client = factory.SubFactory(ClientFactory)
    site = factory.SubFactory(SiteFactory, client=factory.SelfAttribute("..client"))
    kind = Equipment.Kind.PRINTER
    brand = "HP"
    model = "LaserJet Pro M404dn"
    serial_number = factory.Sequence(lambda n: f"SN-{n:06d}")


class PartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Part

    reference = factory.Sequence(lambda n: f"REF-{n:04d}")
    name = factory.Sequence(lambda n: f"Pièce {n}")
    unit_price = Decimal("50.00")
    unit_cost = Decimal("30.00")


def make_intervention(*, client=None, equipment=None, actor=None, **kwargs):
    """An intervention created the way the application creates one (numbered, snapshotted)."""
    if equipment is not None:
        client = equipment.client
    client = client or ClientFactory()
    kwargs.setdefault("object", "L'imprimante fait des taches.")
    return services.intervention_create(client=client, equipment=equipment, actor=actor, **kwargs)
