"""Roles of the application: Django groups with their permissions, and access helpers.

A superuser counts as a manager everywhere (and also reaches the Django admin).
"""

from functools import wraps

from django.contrib.auth.models import Group, Permission
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

DISPATCHER = "dispatcher"
TECHNICIAN = "technician"
MANAGER = "manager"

GROUP_NAMES = {DISPATCHER: "Dispatcher", TECHNICIAN: "Technician", MANAGER: "Manager"}
# What users read (navigation, demo logins); GROUP_NAMES stay the stable group names.
LABELS = {DISPATCHER: _("Dispatcher"), TECHNICIAN: _("Technician"), MANAGER: _("Manager")}

# app_label.codename granted to each group.
_VIEW_REFERENCE = [
    "clients.view_client",
    "clients.view_site",
    "clients.view_contract",
    "clients.view_equipment",
    "interventions.view_part",
]
GROUP_PERMISSIONS = {
    DISPATCHER: _VIEW_REFERENCE
    + [
        "clients.add_client",
        "clients.change_client",
        "clients.add_site",
        "clients.change_site",
        "clients.add_equipment",
        "clients.change_equipment",
        "interventions.add_intervention",
        "interventions.change_intervention",
        "interventions.view_intervention",
        "interventions.view_visit",
        "interventions.view_partused",
        "interventions.view_interventionevent",
    ],
    TECHNICIAN: _VIEW_REFERENCE
    + [
        "interventions.view_intervention",
        "interventions.change_intervention",
        "interventions.add_visit",
        "interventions.change_visit",
        "interventions.view_visit",
        "interventions.add_partused",
        "interventions.change_partused",
        "interventions.delete_partused",
        "interventions.view_partused",
        "interventions.view_interventionevent",
    ],
    MANAGER: [
        f"{app}.{action}_{model}"
        for app, models in {
            "clients": ["client", "site", "contract", "equipment"],
            "interventions": ["intervention", "visit", "partused", "part", "interventionevent"],
        }.items()
        for model in models
        for action in ("add", "change", "view", "delete")
    ]
    + ["interventions.bill_intervention", "interventions.view_costs"],
}


def ensure_role_groups(**kwargs) -> None:
    """Create the three groups and (re)set their permissions. Idempotent (post_migrate)."""
    for role, name in GROUP_NAMES.items():
        group, _created = Group.objects.get_or_create(name=name)
        wanted = []
        for dotted in GROUP_PERMISSIONS[role]:
            app_label, codename = dotted.split(".")
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is not None:
                wanted.append(perm)
        group.permissions.set(wanted)


def user_role(user) -> str | None:
    """The user's main role: manager > dispatcher > technician."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return MANAGER
    cached = getattr(user, "_role_cache", None)
    if cached is not None:
        return cached or None
    names = set(user.groups.values_list("name", flat=True))
    role = next((r for r in (MANAGER, DISPATCHER, TECHNICIAN) if GROUP_NAMES[r] in names), "")
    user._role_cache = role
    return role or None


def has_role(user, *roles: str) -> bool:
    return user_role(user) in roles


def role_required(*roles: str):
    """View decorator: login required, then one of `roles` (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
