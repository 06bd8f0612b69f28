"""What the API reads and writes. Reading: plain model serializers. Writing: the page's Django
form checks the input (`FormSerializer`: the same fields, the same French messages), then
the view calls the service; a serializer never carries a business rule."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from clients.models import Client, Contract, Equipment, Site

from .. import billing_forms, forms, tablet_forms
from ..models import Intervention, Status
from ..people import display_name
from .errors import NON_FIELD, form_errors

# --- writing through the pages' forms ------------------------------------------------------


class FormSerializer(serializers.Serializer):
    """The declared fields document the body (OpenAPI); the page's `form_class` checks it.

    JSON values become what a browser would post: null an empty field, a number its digits;
    an object or a list where a value is expected is refused on that field."""

    form_class = None
    form = None  # the checked form, once `is_valid()` has run

    def form_kwargs(self) -> dict:
        return {}

    def form_data(self, data) -> dict:
        if not isinstance(data, dict):
            raise serializers.ValidationError({NON_FIELD: [_("Send a JSON object.")]})
        prefix = self.form_class.prefix
        posted, wrong = {}, {}
        for name in self.fields:
            if name not in data:
                continue
            value = data[name]
            key = f"{prefix}-{name}" if prefix else name
            if value is None:
                posted[key] = ""
            elif isinstance(value, bool):
                wrong[name] = [_("Enter a valid value.")]
            elif isinstance(value, (str, int, float)):
                posted[key] = str(value)
            else:
                wrong[name] = [_("Enter a valid value.")]
        if wrong:
            raise serializers.ValidationError(wrong)
        return posted

    def to_internal_value(self, data):
        form = self.form = self.form_class(self.form_data(data), **self.form_kwargs())
        if not form.is_valid():
            raise serializers.ValidationError(form_errors(form))
        cleaned = dict(form.cleaned_data)
        cleaned["_present"] = [name for name in self.fields if name in data]
        return cleaned


class ClientCreateSerializer(FormSerializer):
    """The intake page's "new client" form (`forms.ClientQuickForm`)."""

    form_class = forms.ClientQuickForm
    name = serializers.CharField(max_length=200)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=10, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)


class SiteCreateSerializer(FormSerializer):
    """The intake page's "new site" form (`forms.SiteQuickForm`) and the client it belongs to."""

    form_class = forms.SiteQuickForm
    client = serializers.IntegerField(help_text=_("Id of an active client."))
    label = serializers.CharField(max_length=120)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=10, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    contact_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)

    def form_data(self, data):
        posted = super().form_data(data)
        # The form has no client field: the page posts it beside the form.
        posted["client"] = posted.pop("ns-client", "")
        return posted


class IntakeSerializer(FormSerializer):
    """The intake page's form (`forms.IntakeForm`): the call becomes an intervention."""

    form_class = forms.IntakeForm
    client = serializers.IntegerField(help_text=_("Id of an active client."))
    site = serializers.IntegerField(required=False, allow_null=True)
    equipment = serializers.IntegerField(required=False, allow_null=True)
    caller_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    caller_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    channel = serializers.ChoiceField(choices=forms.Channel.choices, required=False)
    priority = serializers.ChoiceField(choices=forms.Priority.choices, required=False)
    object = serializers.CharField()
    requested_at = serializers.DateTimeField(
        required=False, help_text=_("When the customer called; now when left out.")
    )
    contract = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_(
            "Without equipment: the id of the contract that applies, or “none” (everything "
            "billed); required when the client has several active contracts."
        ),
    )

    def form_data(self, data):
        posted = super().form_data(data)
        posted.setdefault("channel", forms.Channel.PHONE)
        posted.setdefault("priority", str(forms.Priority.NORMAL))
        if not posted.get("requested_at"):
            posted["requested_at"] = timezone.localtime().strftime(forms.DATETIME_LOCAL)
        return posted


class ReportTextsSerializer(FormSerializer):
    """The tablet's autosave (`tablet_forms.ReportTextsForm`): the texts sent are saved,
    `version` is the `texts_version` they were read at."""

    form_class = tablet_forms.ReportTextsForm
    diagnostics = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    work_done = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    remarks = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    version = serializers.IntegerField(min_value=0, help_text=_("The texts_version read."))


class AssignmentSerializer(FormSerializer):
    """The dispatcher's assignment form (`forms.AssignForm`): `version` is the
    `assignment_version` read."""

    form_class = forms.AssignForm
    technician = serializers.IntegerField(help_text=_("Id of an active technician."))
    scheduled_start = serializers.DateTimeField(required=False, allow_null=True)
    scheduled_end = serializers.DateTimeField(required=False, allow_null=True)
    version = serializers.IntegerField(min_value=0, help_text=_("The assignment_version read."))


class BillingFilterSerializer(FormSerializer):
    """The billing list's filters (`billing_forms.BillingFilterForm`), as query parameters."""

    form_class = billing_forms.BillingFilterForm
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    client = serializers.IntegerField(required=False)
    contract = serializers.IntegerField(required=False)
    status = serializers.ChoiceField(choices=["to_bill", "billed", "all"], required=False)
    date_basis = serializers.ChoiceField(choices=["signed", "billed"], required=False)


# --- reading --------------------------------------------------------------------------------


class ClientSerializer(serializers.ModelSerializer):
    class Meta:
        model = Client
        fields = [
            "id",
            "number",
            "name",
            "address",
            "postal_code",
            "city",
            "phone",
            "email",
            "active",
        ]


class SiteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = [
            "id",
            "client",
            "label",
            "address",
            "postal_code",
            "city",
            "access_notes",
            "contact_name",
            "contact_phone",
        ]


class ContractSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contract
        fields = [
            "id",
            "client",
            "number",
            "kind",
            "start_date",
            "end_date",
            "response_time_hours",
            "covers_labour",
            "covers_travel",
            "covers_parts",
            "annual_visits",
        ]


class EquipmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Equipment
        fields = [
            "id",
            "client",
            "site",
            "kind",
            "brand",
            "model",
            "serial_number",
            "installed_on",
            "warranty_until",
            "contract",
        ]


class ClientBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Client
        fields = ["id", "number", "name"]


class SiteBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = ["id", "label", "address", "postal_code", "city"]


class EquipmentBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Equipment
        fields = ["id", "kind", "brand", "model", "serial_number"]


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return display_name(user)


class InterventionSerializer(serializers.ModelSerializer):
    client = ClientBriefSerializer()
    site = SiteBriefSerializer(allow_null=True)
    equipment = EquipmentBriefSerializer(allow_null=True)
    technician = PersonSerializer(allow_null=True)
    status_display = serializers.CharField(source="get_status_display")
    contract_number = serializers.SerializerMethodField()
    signed = serializers.SerializerMethodField()

    class Meta:
        model = Intervention
        fields = [
            "id",
            "number",
            "status",
            "status_display",
            "priority",
            "channel",
            "object",
            "caller_name",
            "caller_phone",
            "requested_at",
            "deadline_at",
            "scheduled_start",
            "scheduled_end",
            "client",
            "site",
            "equipment",
            "technician",
            "under_contract",
            "under_warranty",
            "contract_number",
            "planned_tasks",
            "diagnostics",
            "work_done",
            "remarks",
            "outcome",
            "first_arrival_at",
            "resolved_at",
            "texts_version",
            "assignment_version",
            "signed",
        ]

    def get_contract_number(self, intervention) -> str | None:
        return (intervention.contract_snapshot or {}).get("number")

    def get_signed(self, intervention) -> bool:
        """A signed report exists (its PDF: `report.pdf`): signed or billed."""
        return intervention.status in (Status.SIGNED, Status.BILLED)


class ReportVersionCheckSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    signed_at = serializers.DateTimeField()
    sha256 = serializers.CharField()
    content_sha256 = serializers.CharField()
    intact = serializers.BooleanField()
    file_intact = serializers.BooleanField()
    content_intact = serializers.BooleanField()
    figures_intact = serializers.BooleanField()
    billing_intact = serializers.BooleanField()
    problems = serializers.ListField(child=serializers.CharField())


class VerificationSerializer(serializers.Serializer):
    number = serializers.CharField()
    all_intact = serializers.BooleanField()
    versions = ReportVersionCheckSerializer(many=True)


class BillingRowsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(
        child=serializers.ListField(child=serializers.JSONField()),
        help_text=_("One row per intervention, in the order of `columns`: the billing export's."),
    )


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    theirs = serializers.DictField(required=False)
    by = serializers.CharField(required=False)
    at = serializers.DateTimeField(required=False, allow_null=True)
    version = serializers.IntegerField(required=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
