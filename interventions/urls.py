from django.urls import path

from .views import (
    api_token,
    billing,
    calendar,
    changelog,
    dashboard,
    dispatch,
    emails,
    imports,
    intake,
    offline,
    pickers,
    reports,
    signing,
    site,
    tablet,
    tablet_outcome,
)

# Home by role, and the manager's dashboard
urlpatterns = [
    path("", dashboard.home, name="home"),
    path("dashboard/", dashboard.dashboard, name="interventions-dashboard"),
    path("dashboard/visits/", dashboard.dashboard_visits, name="interventions-dashboard-visits"),
]

# Intake: the dispatcher takes a call
urlpatterns += [
    path("interventions/new/", intake.intervention_intake, name="interventions-intake"),
    path(
        "interventions/new/search/", intake.intake_client_search, name="interventions-intake-search"
    ),
    path("interventions/new/client/", intake.intake_client, name="interventions-intake-client"),
    path(
        "interventions/new/entitlement/",
        intake.intake_entitlement,
        name="interventions-intake-entitlement",
    ),
    path(
        "interventions/new/client/create/",
        intake.intake_client_create,
        name="interventions-intake-client-create",
    ),
    path(
        "interventions/new/site/create/",
        intake.intake_site_create,
        name="interventions-intake-site-create",
    ),
]

# Dispatch: list, detail, contract of a ticket without equipment, assignment, handover,
# cancellation, planning, visits to plan, equipment history
urlpatterns += [
    path("interventions/", dispatch.intervention_list, name="interventions-list"),
    path("interventions/<int:pk>/", dispatch.intervention_detail, name="interventions-detail"),
    path(
        "interventions/<int:pk>/assign/", dispatch.intervention_assign, name="interventions-assign"
    ),
    path(
        "interventions/<int:pk>/contract/",
        dispatch.intervention_contract,
        name="interventions-contract",
    ),
    path(
        "interventions/<int:pk>/handover/",
        dispatch.intervention_handover_view,
        name="interventions-handover",
    ),
    path(
        "interventions/<int:pk>/cancel/", dispatch.intervention_cancel, name="interventions-cancel"
    ),
    path("planning/", dispatch.planning, name="interventions-planning"),
    path("planning/visits/", dispatch.visits_to_plan, name="interventions-visits"),
    path(
        "planning/visits/<int:contract_pk>/create/",
        dispatch.visits_plan_create,
        name="interventions-visits-create",
    ),
    path(
        "clients/equipment/<int:pk>/history/",
        dispatch.equipment_history,
        name="interventions-equipment-history",
    ),
]

# Tablet: the technician's interventions, work page, visits, report texts, parts
urlpatterns += [
    path("interventions/mine/", tablet.intervention_mine, name="interventions-mine"),
    path("interventions/<int:pk>/work/", tablet.intervention_work, name="interventions-work"),
    path(
        "interventions/<int:pk>/work/arrive/", tablet.work_arrive, name="interventions-work-arrive"
    ),
    path(
        "interventions/<int:pk>/work/visits/<int:visit_pk>/depart/",
        tablet.work_depart,
        name="interventions-work-depart",
    ),
    path(
        "interventions/<int:pk>/work/visits/<int:visit_pk>/",
        tablet.work_visit_edit,
        name="interventions-work-visit",
    ),
    path(
        "interventions/<int:pk>/work/report/",
        tablet.work_report_save,
        name="interventions-work-report",
    ),
    path(
        "interventions/<int:pk>/work/parts/search/",
        tablet.work_part_search,
        name="interventions-work-part-search",
    ),
    path(
        "interventions/<int:pk>/work/parts/add/",
        tablet.work_part_add,
        name="interventions-work-part-add",
    ),
    path(
        "interventions/<int:pk>/work/parts/<int:part_pk>/remove/",
        tablet.work_part_remove,
        name="interventions-work-part-remove",
    ),
]

# Tablet offline: the data to cache, a fresh CSRF token to replay the queue (docs/offline.md)
urlpatterns += [
    path("interventions/offline/", offline.offline_bundle, name="interventions-offline"),
    path("interventions/offline/csrf/", offline.offline_csrf, name="interventions-offline-csrf"),
]

# Tablet: the outcome of the work (other request, resolve, follow-up, handover, submit, reopen,
# out of conditions)
urlpatterns += [
    path(
        "interventions/<int:pk>/work/other-request/",
        tablet_outcome.work_additional_request,
        name="interventions-work-other-request",
    ),
    path(
        "interventions/<int:pk>/work/resolve/",
        tablet_outcome.work_resolve,
        name="interventions-work-resolve",
    ),
    path(
        "interventions/<int:pk>/work/follow-up/",
        tablet_outcome.work_follow_up,
        name="interventions-work-follow-up",
    ),
    path(
        "interventions/<int:pk>/work/handover/",
        tablet_outcome.work_handover,
        name="interventions-work-handover",
    ),
    path(
        "interventions/<int:pk>/work/submit/",
        tablet_outcome.work_submit,
        name="interventions-work-submit",
    ),
    path(
        "interventions/<int:pk>/work/reopen/",
        tablet_outcome.work_reopen,
        name="interventions-work-reopen",
    ),
    path(
        "interventions/<int:pk>/out-of-conditions/",
        tablet_outcome.out_of_conditions,
        name="interventions-out-of-conditions",
    ),
]

# Signing: the report on the tablet, and amendments
urlpatterns += [
    path("interventions/<int:pk>/sign/", signing.intervention_sign, name="interventions-sign"),
    path(
        "interventions/<int:pk>/sign/technician/",
        signing.sign_technician,
        name="interventions-sign-technician",
    ),
    path(
        "interventions/<int:pk>/sign/customer/",
        signing.sign_customer,
        name="interventions-sign-customer",
    ),
    path(
        "interventions/<int:pk>/amendment/sign/",
        signing.amendment_sign,
        name="interventions-amendment-sign",
    ),
]

# Reports: the signed PDF and its versions, the draft preview, the public verification
urlpatterns += [
    path(
        "interventions/<int:pk>/report.pdf",
        reports.report_download,
        name="interventions-report-pdf",
    ),
    path(
        "interventions/<int:pk>/report-v<int:version>.pdf",
        reports.report_version_download,
        name="interventions-report-version-pdf",
    ),
    path(
        "interventions/<int:pk>/report-draft.pdf",
        reports.report_preview,
        name="interventions-report-preview",
    ),
    path("verify/<str:number>/", reports.report_verify, name="reports-verify"),
]

# Billing: list, export, marking as billed, rates, decisions, unbilling, amendment requests
urlpatterns += [
    path("billing/", billing.billing_list, name="interventions-billing"),
    path("billing/export.<str:fmt>", billing.billing_export, name="interventions-billing-export"),
    path("billing/mark-billed/", billing.billing_mark_billed, name="interventions-billing-mark"),
    path("billing/rates/", billing.billing_rates, name="interventions-billing-rates"),
    path("pick/clients/", pickers.pick_client, name="interventions-pick-client"),
    path("pick/contracts/", pickers.pick_contract, name="interventions-pick-contract"),
    path(
        "interventions/<int:pk>/billing/",
        billing.billing_override,
        name="interventions-billing-override",
    ),
    path(
        "interventions/<int:pk>/unbill/", billing.intervention_unbill, name="interventions-unbill"
    ),
    path(
        "interventions/<int:pk>/amendment/",
        billing.amendment_request,
        name="interventions-amendment-request",
    ),
]

# The REST API's token of the user (the API itself: interventions/api/)
urlpatterns += [
    path("accounts/api-token/", api_token.api_token, name="interventions-api-token"),
]

# Login throttling: the manager unlocks a locked login (interventions/lockouts.py)
urlpatterns += [
    path("accounts/lockouts/", site.login_lockouts, name="interventions-login-lockouts"),
    path("accounts/lockouts/unlock/", site.login_unlock, name="interventions-login-unlock"),
]

# Change log of the reference data (clients, sites, contracts, equipment, parts, rates)
urlpatterns += [
    path("changes/<slug:kind>/<int:pk>/", changelog.change_log, name="interventions-change-log"),
]

# Import of clients, sites, equipment and contracts (CSV, XLSX; Dolibarr, GLPI)
urlpatterns += [
    path("imports/", imports.import_upload, name="interventions-import"),
    path("imports/confirm/", imports.import_confirm_view, name="interventions-import-confirm"),
]

# The technician's calendar: « Mon agenda » and the private iCalendar feed (no login, a token)
urlpatterns += [
    path("calendar/", calendar.calendar_page, name="interventions-calendar"),
    path(
        "calendar/regenerate/",
        calendar.calendar_regenerate,
        name="interventions-calendar-regenerate",
    ),
    path("calendar/<str:token>.ics", calendar.calendar_feed, name="interventions-calendar-feed"),
]

# E-mails sent in the background: the manager's list, sending again
urlpatterns += [
    path("emails/", emails.email_list, name="interventions-emails"),
    path("emails/<int:pk>/resend/", emails.email_resend, name="interventions-email-resend"),
    path(
        "interventions/<int:pk>/report/resend/",
        emails.report_resend,
        name="interventions-report-resend",
    ),
]
