"""Billing writes: the billable flags, a manager's override, the signed report's one door for
billing (`signed_billing_change`), marking billed, and the rates. The rules (what is proposed,
the amounts) live in `interventions.billing`."""

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import workflow
from ..billing import FLAGS, RatesBook, compute_amounts, decide, facts_for, flag_label, propose
from ..guards import Change, ensure_can_write
from ..models import (
    BillingRates,
    ContractRates,
    IntegrityPermit,
    Intervention,
    InterventionEvent,
    Status,
)
from ..selectors import latest_signed_version


def billing_refresh(*, intervention: Intervention) -> Intervention:
    """Store the billing decision (override, else proposal) in the `billable_*` flags."""
    decision = decide(intervention)
    changed = []
    for flag, choice in decision.items():
        if getattr(intervention, f"billable_{flag}") != choice.billable:
            setattr(intervention, f"billable_{flag}", choice.billable)
            changed.append(f"billable_{flag}")
    if changed:
        intervention.save(update_fields=[*changed, "updated_at"])
    return intervention


@contextmanager
def signed_billing_change(intervention: Intervention, *, reason: str):
    """Open the database's one door in a signed report (interventions/integrity.py): its billing
    columns may change inside this block, in this transaction only. The permit row is deleted
    before commit, so no other transaction ever sees it; on an error it is rolled back."""
    with transaction.atomic():
        permit = IntegrityPermit.objects.create(intervention=intervention, reason=reason[:200])
        yield
        permit.delete()


def _apply_signed_billing(
    intervention: Intervention, flags: dict[str, bool], *, reason: str
) -> None:
    """The one place that writes `billable_*` on a signed intervention (a waiver, or a signed
    amendment), through the database's permit (`signed_billing_change`)."""
    changed = []
    for flag, value in flags.items():
        if getattr(intervention, f"billable_{flag}") != value:
            setattr(intervention, f"billable_{flag}", value)
            changed.append(f"billable_{flag}")
    with signed_billing_change(intervention, reason=reason):
        intervention.save(update_fields=["billing_overrides", *changed, "updated_at"])


def billing_override(
    *, intervention: Intervention, actor, flag: str, billable: bool, reason: str
) -> Intervention:
    """A manager decides whether `flag` (travel / labour / parts) is billed, saying why.

    Before signature the decision is free. Once signed, billing follows the latest signed
    version of the report (`selectors.latest_signed_version`): the manager may waive an item it
    marks billable (a commercial gesture) or take a waiver back, but an item it marks not
    billable can only become billable through an amendment the customer signs
    (`amendments.amendment_request`).
    """
    if flag not in FLAGS:
        raise ValidationError({"flag": _("Unknown billing item.")})
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("A reason is required to change what is billed.")})
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
        ensure_can_write(locked, Change.BILLING)
        # The decision in effect (the stored flags lag until the first refresh on a new job).
        before = decide(locked)[flag].billable
        signed = latest_signed_version(locked) if locked.status == Status.SIGNED else None
        if signed is not None and billable and not signed.snapshot["billable"].get(flag):
            raise ValidationError(
                _(
                    "The signed report (version %(version)s) marks “%(item)s” as not billable: "
                    "to bill it, request an amendment to the report, which the customer signs."
                )
                % {"version": signed.version, "item": flag_label(flag)}
            )
        overrides = dict(locked.billing_overrides or {})
        overrides[flag] = {
            "value": bool(billable),
            "reason": reason,
            "by": actor.get_username() if actor else "",
            "at": timezone.now().isoformat(),
        }
        locked.billing_overrides = overrides
        if locked.status == Status.SIGNED:
            _apply_signed_billing(locked, {flag: bool(billable)}, reason=reason)
        else:
            locked.save(update_fields=["billing_overrides", "updated_at"])
            billing_refresh(intervention=locked)
        InterventionEvent.objects.create(
            intervention=locked,
            kind=InterventionEvent.Kind.BILLING,
            code=InterventionEvent.Code.BILLING_OVERRIDE,
            actor=actor,
            note=reason,
            data={
                "flag": flag,
                "from": before,
                "to": bool(billable),
                "proposed": propose(locked)[flag].billable,
                "reason": reason,
            },
        )
    intervention.refresh_from_db()
    return intervention


def interventions_mark_billed(*, pks: list[int], actor) -> list[Intervention]:
    """Move the selected signed interventions to `billed`, all or none.

    Each row is locked and must still be `signed` (`expected_from`): an intervention can never
    be billed twice, even by two managers clicking at once. The amounts billed are recorded
    on the event.
    """
    if not pks:
        raise ValidationError(_("Select at least one intervention."))
    unknown = set(pks) - set(Intervention.objects.filter(pk__in=pks).values_list("pk", flat=True))
    if unknown:
        # A stale page or a forged post: said on the page, nothing billed (never a 500).
        raise ValidationError(
            _("Intervention no. %(pk)s does not exist: nothing was marked as billed.")
            % {"pk": min(unknown)}
        )
    book = RatesBook()
    billed = []
    with transaction.atomic():
        for pk in sorted(set(pks)):
            locked = workflow.transition(
                pk,
                Status.BILLED,
                actor=actor,
                expected_from=Status.SIGNED,
            )
            amounts = compute_amounts(
                facts_for(locked),
                {f: getattr(locked, f"billable_{f}") for f in ("travel", "labour", "parts")},
                book.for_contract(locked.contract_id),
            )
            InterventionEvent.objects.create(
                intervention=locked,
                kind=InterventionEvent.Kind.BILLING,
                code=InterventionEvent.Code.BILLED,
                actor=actor,
                data={
                    "billed": True,
                    "total_excl_vat": str(amounts.total_excl_vat),
                    "total_incl_vat": str(amounts.total_incl_vat),
                },
            )
            billed.append(locked)
    return billed


def intervention_unbill(*, intervention: Intervention, actor, reason: str) -> Intervention:
    """An administrator takes back a billing mistake (billed → signed), with a reason."""
    locked = workflow.transition(
        intervention, Status.SIGNED, actor=actor, note=reason.strip(), expected_from=Status.BILLED
    )
    InterventionEvent.objects.create(
        intervention=locked,
        kind=InterventionEvent.Kind.BILLING,
        code=InterventionEvent.Code.UNBILLED,
        actor=actor,
        note=reason.strip(),
        data={"billed": False},
    )
    return locked


def billing_rates_update(*, actor, **values) -> BillingRates:
    """The company's rates (one row)."""
    with transaction.atomic():
        rates = BillingRates.current()
        for name, value in values.items():
            setattr(rates, name, value)
        rates.full_clean()
        rates._history_user = actor  # the change log's "who", outside a request too
        rates.save()
    return rates


def contract_rates_set(*, actor, contract, **values) -> ContractRates | None:
    """A contract's own rates; with every rate empty, the contract uses the company's again."""
    with transaction.atomic():
        if all(value is None for value in values.values()):
            ContractRates.objects.filter(contract=contract).delete()
            return None
        rates, _created = ContractRates.objects.get_or_create(contract=contract)
        for name, value in values.items():
            setattr(rates, name, value)
        rates.full_clean()
        rates._history_user = actor
        rates.save()
    return rates
