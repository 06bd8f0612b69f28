from django.urls import path

from . import views

urlpatterns = [
    path(
        "equipment/<int:pk>/history/",
        views.equipment_history,
        name="clients-equipment-history",
    ),
]
