"""Read queries shared by several views."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from clients.models import Client, Contract, Equipment, Site
from clients.search import query_words
from clients.selectors import words_q

from . import billing, roles
from .models import (
    CLOSED_STATUSES,
    Channel,
    ContractRates,
    Intervention,
    InterventionEvent,
    OutgoingEmail,
    Part,
    PartUsed,
    ReportAmendment,
    SignedReport,
    Status,
    TechnicianSignature,
    Visit,
    to_sign_q,
)


def visible_interventions(user) -> QuerySet[Intervention]:
    """Dispatchers and managers see everything; a technician sees the jobs assigned to them
    and those they worked on before a handover (to read the history, not to edit)."""
    qs = Intervention.objects.select_related("client", "site", "equipment", "technician")
    role = roles.user_role(user)
    if role in (roles.DISPATCHER, roles.MANAGER):
        return qs
    if role == roles.TECHNICIAN:
        return qs.filter(Q(technician=user) | Q(visits__technician=user)).distinct()
    return qs.none()


# What every summary of a job shows — number, priority, status, object, the deadline badge's
# dates, the slot — and never the report's texts nor the contract snapshot (JSON), which make
# most of a row's bytes.
SUMMARY_COLUMNS = (
    "number",
    "priority",
    "status",
    "object",
    "requested_at",
    "deadline_at",
    "first_arrival_at",
    "scheduled_start",
)
# A row of the intervention list.
LIST_COLUMNS = (
    *SUMMARY_COLUMNS,
    "client__name",
    "site__label",
    "site__city",
    "technician__username",
    "technician__first_name",
    "technician__last_name",
)


def interventions_page(qs: QuerySet[Intervention], number, per_page: int = 25) -> Page:
    """Page `number` of `qs` (ordered), read in two steps: the page's ids first, from the
    index matching the order without touching the table (an index-only scan, even deep in the
    list: OFFSET skips index entries, not joined rows), then those rows only, with what a list
    row shows. The count is exact."""
    page = Paginator(qs.values_list("pk", flat=True), per_page).get_page(number)
    ids = list(page.object_list)
    rows = (
        Intervention.objects.filter(pk__in=ids)
        .select_related("client", "site", "technician")
        .only(*LIST_COLUMNS)
        .in_bulk()
    )
    page.object_list = [rows[pk] for pk in ids]
    return page


def get_intervention_for(user, pk: int) -> Intervention:
    """The intervention if this user may see it, else 404 (never reveal that it exists)."""
    return get_object_or_404(visible_interventions(user), pk=pk)


def open_interventions() -> QuerySet[Intervention]:
    return Intervention.objects.exclude(status__in=CLOSED_STATUSES)


def to_sign_count() -> int:
    """How many jobs have work done but no customer signature (`models.to_sign_q`)."""
    return Intervention.objects.filter(to_sign_q()).count()


def technicians() -> QuerySet:
    """Active users of the Technician group, by name."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=roles.GROUP_NAMES[roles.TECHNICIAN])
        .order_by("first_name", "last_name", "username")
        .distinct()
    )


def slot_overlaps(
    *,
    technician,
    start: datetime.datetime,
    end: datetime.datetime,
    exclude_pk: int | None = None,
) -> QuerySet[Intervention]:
    """Open interventions of `technician` whose slot overlaps [start, end)."""
    qs = open_interventions().filter(
        technician=technician, scheduled_start__lt=end, scheduled_end__gt=start
    )
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.select_related("client").order_by("scheduled_start")


def contracts_with_annual_visits(year: int, query: str = "") -> QuerySet[Contract]:
    """Contracts with annual visits active during `year`, by client then number; `query`
    keeps those whose number or client's name holds every word typed."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    qs = Contract.objects.filter(annual_visits__gt=0, start_date__lte=end, end_date__gte=start)
    words = query_words(query)
    if words:
        qs = qs.filter(Q(number__icontains=query.strip()) | words_q(words, "client__search_text"))
    return qs.select_related("client").order_by("client__name", "number", "pk")


def planned_visit_counts(year: int, contracts: list[Contract]) -> list[Contract]:
    """`contracts` (a page of `contracts_with_annual_visits`), each with its planned visits of
    `year` counted in one grouped query: `visits_planned` (not cancelled), `visits_done`
    (signed or billed), `visits_unsigned` (work done, not signed: `models.to_sign_q`) and
    `visits_missing` (still to prepare, never below zero)."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime(year, 1, 1, tzinfo=tz)
    end = datetime.datetime(year + 1, 1, 1, tzinfo=tz)
    counts = {
        row["contract_id"]: row
        for row in Intervention.objects.filter(
            contract_id__in=[c.pk for c in contracts],
            channel=Channel.PLANNED,
            requested_at__gte=start,
            requested_at__lt=end,
        )
        .values("contract_id")
        .annotate(
            planned=Count("pk", filter=~Q(status=Status.CANCELLED)),
            done=Count("pk", filter=Q(status__in=[Status.SIGNED, Status.BILLED])),
            unsigned=Count("pk", filter=to_sign_q()),
        )
        .order_by()
    }
    for contract in contracts:
        row = counts.get(contract.pk, {})
        contract.visits_planned = row.get("planned", 0)
        contract.visits_done = row.get("done", 0)
        contract.visits_unsigned = row.get("unsigned", 0)
        contract.visits_missing = max(contract.annual_visits - contract.visits_planned, 0)
    return contracts


def report_versions(
    intervention: Intervention, *, original: SignedReport | None = None
) -> list[SignedReport | ReportAmendment]:
    """The signed versions of the report, oldest first: the original (version 1), then each
    signed amendment (2, 3, …). Empty before the customer signs. `original`: the signed report
    when the caller already has it (one query less)."""
    if original is None:
        original = SignedReport.objects.filter(intervention=intervention).first()
    if original is None:
        return []
    amendments = ReportAmendment.objects.filter(
        intervention=intervention, signed_at__isnull=False
    ).order_by("version")
    return [original, *amendments]


def latest_signed_version(intervention: Intervention) -> SignedReport | ReportAmendment | None:
    """The version billing follows: the last signed amendment, else the original signed report,
    else None (not signed yet). Both kinds have `version`, `snapshot`, `pdf`, `sha256`,
    `content_sha256` and `signed_at`."""
    amendment = (
        ReportAmendment.objects.filter(intervention=intervention, signed_at__isnull=False)
        .order_by("-version")
        .first()
    )
    if amendment is not None:
        return amendment
    return SignedReport.objects.filter(intervention=intervention).first()


def pending_amendment(intervention: Intervention) -> ReportAmendment | None:
    """The amendment waiting for the customer's signature, if any (at most one)."""
    return ReportAmendment.objects.filter(intervention=intervention, signed_at__isnull=True).first()


# --- the intervention pages --------------------------------------------------------------


@dataclass(frozen=True)
class InterventionState:
    """What the pages show depending on the status, named so templates never compare status
    strings."""

    awaiting_signature: bool
    signed: bool
    billed: bool
    cancelled: bool
    in_call: bool  # not started yet: the dispatcher may still run a diagnostic with the caller
    billing_reviewable: bool


def intervention_state(intervention: Intervention) -> InterventionState:
    status = intervention.status
    return InterventionState(
        awaiting_signature=status == Status.AWAITING_SIGNATURE,
        signed=status == Status.SIGNED,
        billed=status == Status.BILLED,
        cancelled=status == Status.CANCELLED,
        in_call=status in (Status.NEW, Status.SCHEDULED),
        billing_reviewable=status not in (Status.BILLED, Status.CANCELLED),
    )


def get_assigned_intervention(user, pk: int) -> Intervention:
    """The intervention if it is assigned to this technician now, else 404 (the tablet's
    pages: a technician edits only what is theirs)."""
    return get_object_or_404(
        Intervention.objects.select_related("client", "site", "equipment", "technician"),
        pk=pk,
        technician=user,
    )


@dataclass(frozen=True)
class Agenda:
    today: list[Intervention]
    upcoming: list[Intervention]
    unplanned: list[Intervention]


# What a card of « Mes interventions » shows (`tablet_card`): a technician has ~100 open jobs in
# the 100k data, and the report's texts and the contract snapshot were most of each row.
AGENDA_COLUMNS = (
    *SUMMARY_COLUMNS,
    "technician_id",
    *(f"{place}__{f}" for place in ("client", "site") for f in ("address", "postal_code", "city")),
    "client__name",
    "equipment__brand",
    "equipment__model",
)


def technician_agenda(user) -> Agenda:
    """A technician's open interventions: due today or before, planned later, not planned."""
    qs = (
        Intervention.objects.select_related("client", "site", "equipment")
        .filter(technician=user)
        .exclude(status__in=CLOSED_STATUSES)
        .order_by("scheduled_start", "deadline_at", "-priority", "requested_at")
        .only(*AGENDA_COLUMNS)
    )
    today = timezone.localdate()
    agenda = Agenda(today=[], upcoming=[], unplanned=[])
    for intervention in qs:
        if intervention.scheduled_start is None:
            agenda.unplanned.append(intervention)
        elif timezone.localdate(intervention.scheduled_start) <= today:
            agenda.today.append(intervention)
        else:
            agenda.upcoming.append(intervention)
    return agenda


def interventions_to_schedule(order: tuple[str, ...], limit: int = 20) -> QuerySet[Intervention]:
    """Open interventions without a slot, most urgent first (`order`)."""
    return (
        open_interventions()
        .filter(scheduled_start__isnull=True)
        .select_related("client", "technician")
        .only(
            "number",
            "object",
            "client__name",
            "technician__username",
            "technician__first_name",
            "technician__last_name",
        )
        .order_by(*order)[:limit]
    )


def count_by_status() -> list[tuple[Status, int]]:
    """Every status with its number of interventions (zero included), in workflow order."""
    # COUNT(*) rather than COUNT(id): PostgreSQL then reads the status index alone.
    counts = dict(Intervention.objects.values_list("status").annotate(n=Count("*")).order_by())
    return [(Status(value), counts.get(value, 0)) for value in Status.values]


def intervention_visits(intervention: Intervention) -> QuerySet[Visit]:
    return intervention.visits.select_related("technician")


def intervention_parts(intervention: Intervention) -> QuerySet[PartUsed]:
    return intervention.parts.select_related("part")


def open_visit(visits: list[Visit], technician_id: int | None) -> Visit | None:
    """The visit of the assigned technician still on site (arrived, not left), if any."""
    return next((v for v in visits if v.left_at is None and v.technician_id == technician_id), None)


def parts_with_total(intervention: Intervention) -> tuple[list[PartUsed], Decimal]:
    """The parts used and their total price excluding VAT."""
    parts = list(intervention.parts.all())
    return parts, sum((p.total_price for p in parts), Decimal("0"))


def child_interventions(intervention: Intervention) -> list[Intervention]:
    return list(intervention.children.all())


def get_visit(intervention: Intervention, pk: int) -> Visit:
    return get_object_or_404(intervention.visits, pk=pk)


def get_part_used(intervention: Intervention, pk: int) -> PartUsed:
    return get_object_or_404(intervention.parts, pk=pk)


def part_search(query: str, limit: int = 12) -> list[Part]:
    """Active catalogue parts whose reference or name contains `query` (two characters
    at least, else nothing). A NUL cannot be in a PostgreSQL string: it matches nothing."""
    query = query.replace("\x00", "").strip()
    if len(query) < 2:
        return []
    return list(
        Part.objects.filter(active=True)
        .filter(Q(reference__icontains=query) | Q(name__icontains=query))
        .order_by("reference")[:limit]
    )


def technician_signature(intervention: Intervention) -> TechnicianSignature | None:
    return TechnicianSignature.objects.filter(intervention=intervention).first()


def equipment_history(user, pk: int) -> tuple[Equipment, QuerySet[Intervention]]:
    """One piece of equipment and every intervention on it, newest first. A technician reads
    it only for equipment of a job they see (assigned, or worked on before a handover): 404
    for any other, as for another technician's job."""
    equipment_qs = Equipment.objects.select_related("client", "site", "contract")
    if roles.user_role(user) == roles.TECHNICIAN:
        equipment_qs = equipment_qs.filter(
            pk__in=visible_interventions(user).values("equipment_id")
        )
    equipment = get_object_or_404(equipment_qs, pk=pk)
    interventions = (
        Intervention.objects.filter(equipment=equipment)
        .select_related("technician")
        .only(
            "number",
            "status",
            "requested_at",
            "resolved_at",
            "object",
            "diagnostics",
            "work_done",
            "equipment_id",
            "technician__username",
            "technician__first_name",
            "technician__last_name",
        )
        .prefetch_related(Prefetch("parts", queryset=PartUsed.objects.order_by("pk")))
        .order_by("-requested_at", "-pk")
    )
    return equipment, interventions


# --- intake: what the dispatcher picks during a call -------------------------------------


def pk_or_none(value) -> int | None:
    """A primary key typed in a request: ASCII digits only ("²", " 1", "1e3": None)."""
    text = str(value) if value is not None else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        return None
    return int(text)


def _by_pk_or_none(qs: QuerySet, pk) -> object | None:
    """`pk` comes from the request as typed: anything but digits finds nothing."""
    pk = pk_or_none(pk)
    if pk is None:
        return None
    return qs.filter(pk=pk).first()


def active_client_or_none(pk) -> Client | None:
    return _by_pk_or_none(Client.objects.filter(active=True), pk)


def get_active_client(pk) -> Client:
    """The active client `pk`, else 404."""
    return get_object_or_404(Client, pk=pk_or_none(pk) or 0, active=True)


def client_site_or_none(client: Client, pk) -> Site | None:
    return _by_pk_or_none(Site.objects.filter(client=client), pk)


def client_equipment_or_none(client: Client, pk) -> Equipment | None:
    return _by_pk_or_none(Equipment.objects.filter(client=client), pk)


def client_sites(client: Client) -> QuerySet[Site]:
    return client.sites.all()


def client_equipment(client: Client) -> QuerySet[Equipment]:
    return client.equipment.select_related("site", "contract")


def get_contract(pk: int) -> Contract:
    return get_object_or_404(Contract, pk=pk)


def contract_chosen_on(intervention: Intervention) -> bool:
    """The dispatcher chose this ticket's contract on its page (`intervention_contract_choose`
    writes a note event carrying the choice)."""
    return intervention.events.filter(
        kind=InterventionEvent.Kind.NOTE, data__has_key="contract"
    ).exists()


# --- signed reports ----------------------------------------------------------------------


def has_signed_report(intervention: Intervention) -> bool:
    return SignedReport.objects.filter(intervention=intervention).exists()


def get_signed_version(intervention: Intervention, version: int) -> SignedReport | ReportAmendment:
    """Signed version `version` of the report (1 = the original), else 404."""
    if version == 1:
        return get_object_or_404(SignedReport, intervention=intervention)
    return get_object_or_404(
        ReportAmendment, intervention=intervention, version=version, signed_at__isnull=False
    )


def get_signed_report_by_number(number: str) -> SignedReport:
    """The signed report of intervention `number` (the public verification page), else 404."""
    if "\x00" in number:  # PostgreSQL refuses the query itself: no number holds one
        raise Http404
    return get_object_or_404(
        SignedReport.objects.select_related("intervention__figures"), intervention__number=number
    )


# --- billing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BillingReview:
    decisions: dict
    flags: dict[str, bool]
    facts: billing.Facts
    amounts: billing.Amounts


def billing_review(intervention: Intervention) -> BillingReview:
    """What the manager reviews on the intervention page: the decision per item, the flags
    as recorded, the facts and the amounts they give at the contract's rates."""
    facts = billing.facts_for(intervention)
    rates = billing.RatesBook().for_contract(intervention.contract_id)
    flags = {flag: getattr(intervention, f"billable_{flag}") for flag in billing.FLAGS}
    return BillingReview(
        decisions=billing.decide(intervention),
        flags=flags,
        facts=facts,
        amounts=billing.compute_amounts(facts, flags, rates),
    )


class _LinesOfPage:
    """The lines of a billing query, counted once by `billing.billing_totals`: what Django's
    `Paginator` needs (a count and slices), each slice read by `billing.billing_lines`."""

    def __init__(self, qs: QuerySet[Intervention], count: int):
        self.qs, self._count = qs, count

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: slice) -> list[billing.BillingLine]:
        return list(billing.billing_lines(self.qs[index]))


BILLING_PAGE_SIZE = 50


def billing_page(filters: dict, page_number) -> tuple[Page, billing.Totals]:
    """One page of the billable lines for `filters` (see `billing.billable_queryset`) and the
    totals of the whole period, summed by the database (`billing.billing_totals`)."""
    qs = billing.billable_queryset(**filters)
    totals = billing.billing_totals(qs)
    paginator = Paginator(_LinesOfPage(qs, totals.count), BILLING_PAGE_SIZE)
    return paginator.get_page(page_number), totals


def billing_lines_list(filters: dict) -> _LinesOfPage:
    """The billable lines for `filters`, as a list to paginate (the API's billing rows): counted
    once, each page's slice read by `billing.billing_lines`."""
    qs = billing.billable_queryset(**filters)
    return _LinesOfPage(qs, qs.count())


def contract_rates_list() -> QuerySet[ContractRates]:
    return ContractRates.objects.select_related("contract__client")


def signatory_email_guess(intervention: Intervention) -> str:
    """What the sign page proposes for the signed report's e-mail: the site's contact, else the
    client's e-mail (the signatory may change or clear it)."""
    site = intervention.site
    if site is not None and site.contact_email:
        return site.contact_email
    return intervention.client.email


def outgoing_emails(*, state: str = "", kind: str = "", intervention=None) -> QuerySet:
    """The e-mails page, newest first, filtered."""
    emails = OutgoingEmail.objects.select_related("intervention", "requested_by")
    if state:
        emails = emails.filter(state=state)
    if kind:
        emails = emails.filter(kind=kind)
    if intervention is not None:
        emails = emails.filter(intervention=intervention)
    return emails.order_by("-created_at", "-pk")


def outgoing_email_counts() -> dict:
    """How many e-mails in each state (the filter's buttons)."""
    rows = OutgoingEmail.objects.values_list("state").annotate(n=Count("pk")).order_by()
    return dict(rows)


def intervention_emails(intervention: Intervention, limit: int = 5) -> list:
    """The latest e-mails about one intervention (its page)."""
    return list(intervention.emails.order_by("-created_at", "-pk")[:limit])
