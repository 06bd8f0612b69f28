"""The equipment admin writes its row checkbox directly (issue 14: the widget template cost a
third of the page); the HTML stays Django's own, escaping included."""

from django.contrib import admin

from clients.models import Equipment
from tests.factories import EquipmentFactory


def test_equipment_row_checkbox_is_djangos_html(db):
    equipment = EquipmentFactory(brand='Casio "<b>&', model="V-R200")
    model_admin = admin.site._registry[Equipment]
    ours = model_admin.action_checkbox(equipment)
    assert "&lt;b&gt;" in ours
    assert ours == admin.ModelAdmin.action_checkbox(model_admin, equipment)
