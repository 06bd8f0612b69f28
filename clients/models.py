"""Who we work for and what they own: clients, their sites, contracts and equipment."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .search import phone_key, search_text

# The client's own fields that its `search_text` is made of (its sites' texts are added).
CLIENT_SEARCHED_FIELDS = frozenset({"name", "number", "postal_code", "city", "phone"})


class Client(models.Model):
    number = models.CharField(_("client number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=255, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    # `phone` as dialled from France, digits only ("+33 6 12 34 56 78" → "0612345678"): one
    # normalised form, indexed for an exact look-up (clients.search.phone_key).
    phone_digits = models.CharField(max_length=30, blank=True, editable=False, db_index=True)
    # What the client search reads, normalised (clients/search.py): name, number, city, postal
    # code, phone, and each site's `search_text`. Kept by save() and by the sites' signals;
    # a GIN trigram index serves it on PostgreSQL (migration 0003).
    search_text = models.TextField(_("search text"), blank=True, default="", editable=False)
    email = models.EmailField(_("e-mail"), blank=True)
    # Where signed reports go (the accounts department); the client's e-mail when empty.
    billing_email = models.EmailField(
        _("billing e-mail"),
        blank=True,
        help_text=_("Signed reports are sent here; the client's e-mail is used when empty."),
    )
    notes = models.TextField(_("notes"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # Who changed what, when (django-simple-history): the change log page.
    history = HistoricalRecords(excluded_fields=["search_text", "phone_digits"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        indexes = [models.Index(fields=["city"])]

    def __str__(self) -> str:
        return f"{self.number} — {self.name}"

    def save(self, *args, **kwargs):
        self.phone_digits = phone_key(self.phone)[: self._meta.get_field("phone_digits").max_length]
        self.search_text = self.build_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and CLIENT_SEARCHED_FIELDS & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "phone_digits", "search_text"}
        super().save(*args, **kwargs)

    def build_search_text(self) -> str:
        sites = self.sites.values_list("search_text", flat=True) if self.pk else []
        return client_search_text(self, sites)

    @classmethod
    def refresh_search_text(cls, pk: int) -> None:
        """After one of its sites changed (the sites' signals below)."""
        client = cls.objects.filter(pk=pk).first()
        if client is not None:
            cls.objects.filter(pk=pk).update(search_text=client.build_search_text())

    @property
    def full_address(self) -> str:
        return format_address(self.address, self.postal_code, self.city)

    @property
    def report_email(self) -> str:
        """Where the signed reports of this client are e-mailed."""
        return self.billing_email or self.email


def client_search_text(client, site_texts) -> str:
    """Also used by migration 0002 on historical models: plain attributes only."""
    own = search_text(client.name, client.number, client.city, client.postal_code, client.phone)
    return " ".join(filter(None, (own, *site_texts)))


def site_search_text(site) -> str:
    return search_text(site.label, site.postal_code, site.city, site.contact_phone)


def format_address(street: str, postal_code: str, city: str) -> str:
    town = " ".join(part for part in (postal_code, city) if part)
    return ", ".join(part for part in (street, town) if part)


class Site(models.Model):
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="sites", verbose_name=_("client")
    )
    label = models.CharField(_("label"), max_length=120)
    address = models.CharField(_("address"), max_length=255, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    access_notes = models.TextField(_("access notes"), blank=True)
    contact_name = models.CharField(_("on-site contact"), max_length=120, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    # Prefills the e-mail asked on the sign page (where the signed report goes).
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    # Label, postal code, city and contact phone, normalised; also part of the client's.
    search_text = models.TextField(_("search text"), blank=True, default="", editable=False)

    # Who changed what, when (django-simple-history): the change log page.
    history = HistoricalRecords(excluded_fields=["search_text"])

    class Meta:
        ordering = ["client__name", "label"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")

    def __str__(self) -> str:
        return f"{self.label} ({self.city})" if self.city else self.label

    def save(self, *args, **kwargs):
        self.search_text = self.build_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        site = super().from_db(db, field_names, values)
        site._loaded_client_id = site.__dict__.get("client_id")  # moved to another client?
        return site

    def build_search_text(self) -> str:
        return site_search_text(self)

    @property
    def full_address(self) -> str:
        return format_address(self.address, self.postal_code, self.city)


@receiver(post_save, sender=Site)
@receiver(post_delete, sender=Site)
def _site_changed(sender, instance: Site, **kwargs) -> None:
    """A site's words are part of its client's search text (also on the admin's bulk delete);
    a site moved to another client leaves its former client's text too."""
    for client_id in {instance.client_id, getattr(instance, "_loaded_client_id", None)} - {None}:
        Client.refresh_search_text(client_id)
    instance._loaded_client_id = instance.client_id


class Contract(models.Model):
    class Kind(models.TextChoices):
        MAINTENANCE = "maintenance", _("Maintenance")
        ASSISTANCE = "assistance", _("Assistance")
        COMMISSIONING = "commissioning", _("Commissioning")
        TURNKEY = "turnkey", _("Turnkey service")

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("client")
    )
    number = models.CharField(_("contract number"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    response_time_hours = models.PositiveIntegerField(
        _("response time (business hours)"),
        null=True,
        blank=True,
        help_text=_("Leave empty when the contract commits to no response time."),
    )
    covers_labour = models.BooleanField(_("covers labour"), default=False)
    covers_travel = models.BooleanField(_("covers travel"), default=False)
    covers_parts = models.BooleanField(_("covers parts"), default=False)
    annual_visits = models.PositiveSmallIntegerField(_("annual visits per year"), default=0)
    conditions = models.TextField(
        _("conditions"),
        blank=True,
        help_text=_("E.g. the consumables clause: only supplies sold or approved by us."),
    )
    standard_tasks = models.TextField(
        _("standard tasks"), blank=True, help_text=_("Tasks of a planned visit, one per line.")
    )

    # Who changed what, when (django-simple-history): the change log page.
    history = HistoricalRecords()

    class Meta:
        ordering = ["client__name", "-start_date"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")), name="contract_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.get_kind_display()})"

    def clean(self):
        if self.start_date and self.end_date and self.end_date <= self.start_date:
            raise ValidationError({"end_date": _("A contract must end after it starts.")})

    def is_active_on(self, day: datetime.date) -> bool:
        return self.start_date <= day <= self.end_date

    def covered_items(self) -> list[str]:
        items = []
        if self.covers_labour:
            items.append(str(_("labour")))
        if self.covers_travel:
            items.append(str(_("travel")))
        if self.covers_parts:
            items.append(str(_("parts")))
        return items

    def snapshot(self) -> dict:
        """What the intervention keeps of the contract as it was at the time of the call."""
        return {
            "id": self.pk,
            "number": self.number,
            "kind": self.kind,
            "kind_label": str(self.get_kind_display()),
            "start_date": self.start_date.isoformat(),
            "end_date": self.end_date.isoformat(),
            "response_time_hours": self.response_time_hours,
            "covers_labour": self.covers_labour,
            "covers_travel": self.covers_travel,
            "covers_parts": self.covers_parts,
            "conditions": self.conditions,
        }


class Equipment(models.Model):
    class Kind(models.TextChoices):
        WORKSTATION = "workstation", _("Workstation")
        LAPTOP = "laptop", _("Laptop")
        PRINTER = "printer", _("Printer")
        SERVER = "server", _("Server")
        NETWORK = "network", _("Network device")
        PHONE = "phone", _("Telephony")
        CASH_REGISTER = "cash_register", _("Cash register")
        OTHER = "other", _("Other")

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="equipment", verbose_name=_("client")
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="equipment",
        verbose_name=_("site"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    brand = models.CharField(_("brand"), max_length=80, blank=True)
    model = models.CharField(_("model"), max_length=120, blank=True)
    serial_number = models.CharField(_("serial number"), max_length=80, blank=True)
    installed_on = models.DateField(_("installed on"), null=True, blank=True)
    warranty_until = models.DateField(_("warranty until"), null=True, blank=True)
    contract = models.ForeignKey(
        Contract,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="equipment",
        verbose_name=_("contract"),
    )

    # Who changed what, when (django-simple-history): the change log page.
    history = HistoricalRecords()

    class Meta:
        ordering = ["client__name", "kind", "brand", "model"]
        verbose_name = _("equipment")
        verbose_name_plural = _("equipment")

    def __str__(self) -> str:
        label = " ".join(part for part in (self.brand, self.model) if part)
        label = f"{self.get_kind_display()} {label}".strip()
        return f"{label} (S/N {self.serial_number})" if self.serial_number else label

    def clean(self):
        if self.site_id and self.client_id and self.site.client_id != self.client_id:
            raise ValidationError({"site": _("This site belongs to another client.")})
        if self.contract_id and self.client_id and self.contract.client_id != self.client_id:
            raise ValidationError({"contract": _("This contract belongs to another client.")})
        if self.installed_on and self.warranty_until and self.warranty_until < self.installed_on:
            raise ValidationError(
                {"warranty_until": _("The warranty cannot end before the installation date.")}
            )

    def under_warranty_on(self, day: datetime.date) -> bool:
        return self.warranty_until is not None and day <= self.warranty_until

    def snapshot(self) -> dict:
        return {
            "id": self.pk,
            "kind": self.kind,
            "kind_label": str(self.get_kind_display()),
            "brand": self.brand,
            "model": self.model,
            "serial_number": self.serial_number,
            "warranty_until": self.warranty_until.isoformat() if self.warranty_until else None,
        }
