import functools
import html

from django import forms, template
from django.conf import settings
from django.urls import get_script_prefix, reverse
from django.utils.formats import date_format, localize
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.timezone import template_localtime
from django.utils.translation import gettext, pgettext

from interventions import billing
from interventions.people import display_name
from interventions.sla import deadline_state

register = template.Library()


@register.filter
def person(user, empty="—"):
    """A user's display name (`people.display_name`); `empty` when there is nobody."""
    return display_name(user, empty)


# The badge's words by state; a duration goes in the first three.
_DEADLINE_WORDS = {
    "overdue": "Overdue by %(t)s",
    "at_risk": "At risk: %(t)s left",
    "ok": "%(t)s left",
    "met": "Deadline met",
    "missed": "Deadline missed",
}


@register.simple_tag(takes_context=True)
def deadline_badge(context, intervention):
    """The response deadline's badge: its state and time left, the deadline in the title.
    Written in Python (it was an inclusion template, a third of the dispatcher's list rows'
    time: bench/README.md, "List and planning rendering"), escaped as that template was."""
    d = deadline_state(intervention)
    if d is None:
        return ""
    deadline = date_format(template_localtime(d.deadline, context.use_tz), "SHORT_DATETIME_FORMAT")
    # The words as `translate` wrote them (not escaped; none needs it), the date escaped.
    title = mark_safe(f"{gettext('Response deadline')}{escape(colon())} {escape(deadline)}")
    if d.state in ("overdue", "at_risk", "ok"):
        # As `blocktranslate` did: the duration escaped, the translation itself as written.
        text = mark_safe(gettext(_DEADLINE_WORDS[d.state]) % {"t": escape(duration(d.remaining))})
    else:
        text = mark_safe(gettext(_DEADLINE_WORDS[d.state]))
    return format_html(
        '<span class="badge deadline-{}" data-deadline="{}" title="{}">{}</span>',
        d.state,
        d.state,
        title,
        text,
    )


@register.simple_tag
def status_badge(status, label):
    """The status badge: the one writer of its markup (templates and the rows written in
    Python)."""
    return format_html(
        '<span class="badge badge-status-{}" data-status="{}">{}</span>', status, status, label
    )


@register.filter
def detail_url(intervention):
    """The intervention's detail page, as `{% url 'interventions-detail' pk %}` gives it, from
    one reverse() per URL prefix rather than one per row."""
    head, tail = _url_parts("interventions-detail", get_script_prefix())
    return f"{head}{intervention.pk}{tail}"


@functools.lru_cache(maxsize=16)
def _url_parts(name: str, prefix: str) -> tuple[str, str]:
    """The URL `name` of an intervention, split around its primary key (reversed once)."""
    head, tail = reverse(name, args=[0]).rsplit("0", 1)
    return head, tail


@register.simple_tag
def colon():
    """The colon after a label, as the active language writes it: "Likely cause: " in
    English, "Cause probable : " (a non-breaking space before it) in French."""
    return pgettext("punctuation after a label", ":")


@register.filter
def duration(delta):
    """A timedelta as '1 d 20 h' / '2 h 05 min' / '5 min' in English, '1 j 20 h' / '2 h 05' /
    '5 min' in French (absolute value; the badge says whether it is late)."""
    if delta is None:
        return ""
    minutes = int(abs(delta.total_seconds()) // 60)
    hours, minutes = divmod(minutes, 60)
    if hours >= 24:
        days, hours = divmod(hours, 24)
        return gettext("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
    if hours:
        return gettext("%(hours)s h %(minutes)s min") % {
            "hours": hours,
            "minutes": f"{minutes:02d}",
        }
    return gettext("%(minutes)s min") % {"minutes": minutes}


@register.filter
def money(value):
    """An amount with its two decimals, thousands grouped: "1 234,50", "0,00"."""
    return billing.money_display(value)


@register.filter
def flag_state(flag, billed):
    """ "facturé" / "facturée" / "facturées" agreeing with the billing item (`flag`)."""
    return billing.flag_state(flag, bool(billed))


@register.filter
def flag_decision(flag, billed):
    """The billing item and its state: "Main-d'œuvre — facturée"."""
    return billing.flag_decision(flag, bool(billed))


# The widgets `crispy_field` writes itself: Django's own input, select and textarea templates.
# Any other widget (checkbox, radio, file, several values, a widget with its own template)
# goes through crispy-forms.
_PLAIN_TEMPLATES = {
    f"django/forms/widgets/{name}.html"
    for name in (
        "text", "number", "email", "url", "password", "tel", "search",
        "date", "datetime", "time", "select", "textarea",
    )
}  # fmt: skip


def _flat_attrs(attrs: dict) -> str:
    """As django/forms/widgets/attrs.html writes them: False left out, True as a bare name."""
    out = []
    for name, value in attrs.items():
        if value is True:
            out.append(f" {html.escape(str(name))}")
        elif value is not False:
            out.append(f' {html.escape(str(name))}="{html.escape(str(value))}"')
    return "".join(out)


def _plain_widget(context: dict) -> str:
    """Django's input, select or textarea template, written in Python from the widget's own
    context (`Widget.get_context`: the same attributes, value and options)."""
    widget, esc = context["widget"], html.escape
    name, attrs = esc(widget["name"]), _flat_attrs(widget["attrs"])
    if "optgroups" in widget:
        options = []
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                options.append(f'<optgroup label="{esc(str(group_name))}">')
            options.extend(
                f'<option value="{esc(str(o["value"]))}"{_flat_attrs(o["attrs"])}>'
                f"{conditional_escape(o['label'])}</option>"
                for o in group_choices
            )
            if group_name:
                options.append("</optgroup>")
        return f'<select name="{name}"{attrs}>{"".join(options)}</select>'
    if widget["template_name"].endswith("textarea.html"):
        value = esc(str(widget["value"])) if widget["value"] else ""
        return f'<textarea name="{name}"{attrs}>\n{value}</textarea>'
    value = "" if widget["value"] is None else f' value="{esc(str(widget["value"]))}"'
    return f'<input type="{esc(widget["type"])}" name="{name}"{value}{attrs}>'


@register.filter
def crispy_field(bound_field):
    """What crispy-forms' `as_crispy_field` writes with Bootstrap 5 — the wrapper, the label
    with its asterisk, the widget with crispy's classes, the help text — written in Python for
    the plain widgets (input, select, textarea) of a field without errors. crispy's templates
    (a dozen includes per field) cost ~1.5 ms a field: 7 of the 19 ms of CPU of an intervention
    page, 5.6 of the 9 of the intake form, 15–20 ms of the dispatcher's list before this
    (bench/README.md, « Charge mixte : dernière étape »). Anything else — errors, hidden,
    checkbox, radio, file, a widget with its own template — goes through crispy itself, so its
    markup stays crispy's. `tests/test_crispy_field.py` compares the two on every form."""
    field, widget = bound_field.field, bound_field.field.widget
    if (
        bound_field.errors
        or bound_field.is_hidden
        or field.show_hidden_initial
        or bound_field.use_fieldset
        or widget.template_name not in _PLAIN_TEMPLATES
        or isinstance(widget, forms.SelectMultiple)
    ):
        from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field

        return as_crispy_field(bound_field)
    # crispy's class: the widget's class name (through CRISPY_CLASS_CONVERTERS), then
    # Bootstrap's, added to the widget's own classes (crispy_forms_field.CrispyFieldNode).
    kind = type(widget).__name__.lower()
    kind = getattr(settings, "CRISPY_CLASS_CONVERTERS", {}).get(kind, kind)
    css = widget.attrs.get("class", "")
    css = f"{css} {kind}" if css and kind not in css else (css or kind)
    bootstrap = "form-select" if isinstance(widget, forms.Select) else "form-control"
    if bootstrap not in css.split():
        css = f"{css} {bootstrap}"
    # As BoundField.as_widget: the field's attributes (required, disabled, aria-describedby…)
    # and the id.
    if field.localize:
        widget.is_localized = True
    attrs = bound_field.build_widget_attrs({}, widget)
    if bound_field.auto_id and "id" not in widget.attrs:
        attrs["id"] = bound_field.auto_id
    attrs["class"] = css
    control = _plain_widget(widget.get_context(bound_field.html_name, bound_field.value(), attrs))
    required = field.required
    label, for_id, auto_id = "", bound_field.id_for_label, bound_field.auto_id
    if bound_field.label:
        target = f' for="{html.escape(for_id)}"' if for_id else ""
        star = '<span class="asteriskField">*</span>' if required else ""
        label = (
            f'<label{target} class="form-label{" requiredField" if required else ""}">'
            f"{conditional_escape(bound_field.label)}{star}</label>"
        )
    help_text = ""
    if bound_field.help_text:
        help_id = f'id="{html.escape(auto_id)}_helptext" ' if auto_id else ""
        help_text = f'<div {help_id}class="form-text">{bound_field.help_text}</div>'
    wrapper = " ".join(filter(None, ("mb-3", bound_field.css_classes())))
    return mark_safe(
        f'<div id="div_{html.escape(auto_id or "")}" class="{wrapper}">'
        f"{label}{control}{help_text}</div>"
    )


@register.simple_tag(takes_context=True)
def billing_row(context, line, show_billed_on, show_costs):
    """One line of the billing list, as its template wrote it (checkbox, number link, dates,
    client and contract, hours, km, the three items or « non facturé(e)s », totals, cost and
    margin), in Python with plain strings: ~7 filters and a `{% url %}` per line were most of
    the page's rendering, and `format_html` per cell still half of it (bench/README.md,
    issue 14, last steps). Every text from the data goes through `html.escape`, as the
    template's auto-escaping did."""
    use_tz = context.use_tz
    esc = html.escape

    def day(value):
        return date_format(template_localtime(value, use_tz), "SHORT_DATE_FORMAT") if value else ""

    number, pk = esc(str(line.number)), int(line.pk)
    out = [f'<tr data-number="{number}" data-status="{esc(str(line.status))}">']
    if line.status == "signed":
        out.append(
            '<td><label class="tap-target"><input type="checkbox" '
            f'class="form-check-input row-select" name="pk" value="{pk}" '
            f'aria-label="{number}"></label></td>'
        )
    else:
        out.append("<td></td>")
    out.append(
        f'<td data-testid="number"><a class="intervention-number" '
        f'href="{esc(detail_url(line))}#billing">{number}</a></td>'
    )
    out.append(f"<td>{esc(day(line.signed_at))}</td>")
    if show_billed_on:
        out.append(f'<td data-testid="billed-on">{esc(day(line.billed_at) or "—")}</td>')
    contract = (
        f'<br><small class="text-muted">{esc(str(line.contract_number))}</small>'
        if line.contract_number
        else ""
    )
    out.append(f'<td class="billing-client">{esc(str(line.client_name))}{contract}</td>')
    out.append(f'<td class="text-end">{esc(str(localize(line.facts.hours)))}</td>')
    out.append(f'<td class="text-end">{esc(str(localize(line.facts.km)))}</td>')
    amounts, money = line.amounts, billing.money_display
    for flag in ("labour", "travel", "parts"):
        if line.flags[flag]:
            out.append(f'<td class="text-end">{esc(money(getattr(amounts, flag)))}</td>')
        else:
            state = esc(str(billing.flag_state(flag, False)))
            out.append(f'<td class="text-end text-muted">{state}</td>')
    out.append(f'<td class="text-end">{esc(money(amounts.total_excl_vat))}</td>')
    out.append(f'<td class="text-end fw-semibold">{esc(money(amounts.total_incl_vat))}</td>')
    if show_costs:
        loss = " text-danger" if amounts.margin < 0 else ""
        out.append(f'<td class="text-end">{esc(money(amounts.cost))}</td>')
        out.append(f'<td class="text-end{loss}">{esc(money(amounts.margin))}</td>')
    out.append("</tr>")
    return mark_safe("".join(out))


@register.simple_tag(takes_context=True)
def intervention_row(context, intervention):
    """One row of the dispatcher's list, as its template wrote it (number link and priority,
    client and site, object cut to 80 characters, status, deadline, technician and slot,
    request date), in Python with plain strings: the list's 25 rows were a third of its
    rendering (bench/README.md, issue 14, last steps). Texts from the data are escaped with
    `html.escape`, as auto-escaping did; the badges are those of `status_badge` and
    `deadline_badge`."""
    i, esc, use_tz = intervention, html.escape, context.use_tz

    def when(value):
        return esc(date_format(template_localtime(value, use_tz), "SHORT_DATETIME_FORMAT"))

    number = esc(str(i.number))
    priority = ""
    if i.priority >= 3:
        tone = "danger" if i.priority == 4 else "warning"
        priority = (
            f'<br><span class="badge text-bg-{tone}">{esc(str(i.get_priority_display()))}</span>'
        )
    site = f'<br><small class="text-muted">{esc(str(i.site))}</small>' if i.site else ""
    deadline = (
        f'<br><small class="text-muted">{when(i.deadline_at)}</small>' if i.deadline_at else ""
    )
    slot = (
        f'<br><small class="text-muted">{when(i.scheduled_start)}</small>'
        if i.scheduled_start
        else ""
    )
    link = f'<a class="intervention-number" href="{esc(detail_url(i))}">{number}</a>'
    return mark_safe(
        f'<tr data-testid="row-{number}">'
        f"<td>{link}{priority}</td>"
        f"<td>{esc(str(i.client.name))}{site}</td>"
        f"<td>{esc(Truncator(i.object).chars(80))}</td>"
        f"<td>{status_badge(i.status, i.get_status_display())}</td>"
        f"<td>{deadline_badge(context, i)}{deadline}</td>"
        f"<td>{esc(display_name(i.technician, '—'))}{slot}</td>"
        f'<td class="d-none d-lg-table-cell">{when(i.requested_at)}</td>'
        "</tr>"
    )


@register.simple_tag(takes_context=True)
def tablet_card(context, intervention):
    """One job of the technician's « Mes interventions », as its template wrote it (slot time
    and client, deadline and status badges, address of the site or else of the client, object
    cut to 140 characters, number, equipment, slot date, « Ouvrir la fiche »), in Python
    with plain strings: at ~110 open jobs per technician in the 100k data, the included template
    was nine tenths of the page (bench/README.md, « Charge mixte : dernière étape »). Texts
    from the data are escaped with `html.escape`, as auto-escaping did."""
    i, esc = intervention, html.escape
    head, tail = _url_parts("interventions-work", get_script_prefix())
    number = esc(str(i.number))
    start = template_localtime(i.scheduled_start, context.use_tz) if i.scheduled_start else None
    address = (i.site or i.client).full_address
    equipment = f" · {esc(i.equipment.brand)} {esc(i.equipment.model)}" if i.equipment else ""
    return mark_safe(
        f'<a class="job-card tech-job-card card mb-2 shadow-sm" href="{head}{i.pk}{tail}" '
        f'data-testid="job-{number}"><div class="card-body">'
        '<div class="d-flex flex-wrap justify-content-between align-items-start gap-1">'
        f'<strong class="fs-5">{esc(date_format(start, "H:i")) + " · " if start else ""}'
        f"{esc(i.client.name)}</strong>"
        f"<span>{deadline_badge(context, i)} {status_badge(i.status, i.get_status_display())}"
        "</span></div>"
        f'<div class="text-muted">{esc(address)}</div>'
        f'<div class="mt-1">{esc(Truncator(i.object).chars(140))}</div>'
        '<div class="d-flex justify-content-between align-items-center mt-1">'
        f'<small class="text-muted">{number}{equipment}'
        f"{' · ' + esc(date_format(start, 'SHORT_DATE_FORMAT')) if start else ''}</small>"
        f'<span class="btn btn-primary">{esc(gettext("Open the job"))} →</span>'
        "</div></div></a>"
    )


@register.filter
def stat_rows(rows):
    """The rows of a dashboard table, as its template wrote them (a cell per value, right
    aligned but the first, « — » for none, localised, escaped), in Python: the dashboard's
    ~1,000 cells were a third of its rendering (bench/README.md, issue 14, last steps)."""
    out = []
    for row in rows:
        out.append("<tr>")
        for n, cell in enumerate(row):
            text = html.escape(str(localize("—" if cell is None else cell)))
            out.append(f'<td class="text-end">{text}</td>' if n else f"<td>{text}</td>")
        out.append("</tr>")
    return mark_safe("".join(out))
