from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("interventions/", views.intervention_list, name="interventions-list"),
    path("interventions/mine/", views.intervention_mine, name="interventions-mine"),
    path("interventions/<int:pk>/", views.intervention_detail, name="interventions-detail"),
    path("dashboard/", views.dashboard, name="interventions-dashboard"),
    path(
        "interventions/<int:pk>/report.pdf", views.report_download, name="interventions-report-pdf"
    ),
    path(
        "interventions/<int:pk>/report-draft.pdf",
        views.report_preview,
        name="interventions-report-preview",
    ),
    path("verify/<str:number>/", views.report_verify, name="reports-verify"),
]

urlpatterns += [
    path("interventions/new/", views.intervention_intake, name="interventions-intake"),
    path(
        "interventions/new/search/", views.intake_client_search, name="interventions-intake-search"
    ),
    path("interventions/new/client/", views.intake_client, name="interventions-intake-client"),
    path(
        "interventions/new/entitlement/",
        views.intake_entitlement,
        name="interventions-intake-entitlement",
    ),
    path(
        "interventions/new/client/create/",
        views.intake_client_create,
        name="interventions-intake-client-create",
    ),
    path(
        "interventions/new/site/create/",
        views.intake_site_create,
        name="interventions-intake-site-create",
    ),
    path("interventions/<int:pk>/assign/", views.intervention_assign, name="interventions-assign"),
    path(
        "interventions/<int:pk>/handover/",
        views.intervention_handover_view,
        name="interventions-handover",
    ),
    path("planning/", views.planning, name="interventions-planning"),
    path("planning/visits/", views.visits_to_plan, name="interventions-visits"),
    path(
        "planning/visits/<int:contract_pk>/create/",
        views.visits_plan_create,
        name="interventions-visits-create",
    ),
]

urlpatterns += [
    # Technician on a tablet (issue 4)
    path("interventions/<int:pk>/work/", views.intervention_work, name="interventions-work"),
    path(
        "interventions/<int:pk>/work/arrive/", views.work_arrive, name="interventions-work-arrive"
    ),
    path(
        "interventions/<int:pk>/work/visits/<int:visit_pk>/depart/",
        views.work_depart,
        name="interventions-work-depart",
    ),
    path(
        "interventions/<int:pk>/work/visits/<int:visit_pk>/",
        views.work_visit_edit,
        name="interventions-work-visit",
    ),
    path(
        "interventions/<int:pk>/work/report/",
        views.work_report_save,
        name="interventions-work-report",
    ),
    path(
        "interventions/<int:pk>/work/parts/search/",
        views.work_part_search,
        name="interventions-work-part-search",
    ),
    path(
        "interventions/<int:pk>/work/parts/add/",
        views.work_part_add,
        name="interventions-work-part-add",
    ),
    path(
        "interventions/<int:pk>/work/parts/<int:part_pk>/remove/",
        views.work_part_remove,
        name="interventions-work-part-remove",
    ),
    path(
        "interventions/<int:pk>/work/other-request/",
        views.work_additional_request,
        name="interventions-work-other-request",
    ),
    path(
        "interventions/<int:pk>/work/resolve/",
        views.work_resolve,
        name="interventions-work-resolve",
    ),
    path(
        "interventions/<int:pk>/work/follow-up/",
        views.work_follow_up,
        name="interventions-work-follow-up",
    ),
    path(
        "interventions/<int:pk>/work/handover/",
        views.work_handover,
        name="interventions-work-handover",
    ),
    path(
        "interventions/<int:pk>/work/submit/", views.work_submit, name="interventions-work-submit"
    ),
    path(
        "interventions/<int:pk>/work/reopen/", views.work_reopen, name="interventions-work-reopen"
    ),
    path("interventions/<int:pk>/sign/", views.intervention_sign, name="interventions-sign"),
    path(
        "interventions/<int:pk>/sign/technician/",
        views.sign_technician,
        name="interventions-sign-technician",
    ),
    path(
        "interventions/<int:pk>/sign/customer/",
        views.sign_customer,
        name="interventions-sign-customer",
    ),
]

urlpatterns += [
    # Billing and management (issue 6)
    path("billing/", views.billing_list, name="interventions-billing"),
    path("billing/export.<str:fmt>", views.billing_export, name="interventions-billing-export"),
    path("billing/mark-billed/", views.billing_mark_billed, name="interventions-billing-mark"),
    path("billing/rates/", views.billing_rates, name="interventions-billing-rates"),
    path(
        "interventions/<int:pk>/billing/",
        views.billing_override,
        name="interventions-billing-override",
    ),
    path(
        "interventions/<int:pk>/out-of-conditions/",
        views.out_of_conditions,
        name="interventions-out-of-conditions",
    ),
    path("interventions/<int:pk>/unbill/", views.intervention_unbill, name="interventions-unbill"),
]

urlpatterns += [
    # Amendments to a signed report (issue 10)
    path(
        "interventions/<int:pk>/amendment/",
        views.amendment_request,
        name="interventions-amendment-request",
    ),
    path(
        "interventions/<int:pk>/amendment/sign/",
        views.amendment_sign,
        name="interventions-amendment-sign",
    ),
    path(
        "interventions/<int:pk>/report-v<int:version>.pdf",
        views.report_version_download,
        name="interventions-report-version-pdf",
    ),
]
