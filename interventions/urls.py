from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("interventions/", views.intervention_list, name="interventions-list"),
    path("interventions/mine/", views.intervention_mine, name="interventions-mine"),
    path("interventions/<int:pk>/", views.intervention_detail, name="interventions-detail"),
    path("dashboard/", views.dashboard, name="interventions-dashboard"),
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
