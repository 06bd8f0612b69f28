"""Who may call what: the roles of the pages (`interventions.roles`), nothing else.

Each API view names the roles of the page it mirrors (the intake page: dispatcher and manager;
the tablet: technician; billing: manager); a user with no role gets 403, as on the pages.
Which rows a user reaches is the pages' selectors' business (`visible_interventions`,
`get_assigned_intervention`): another technician's job is a 404, never a 403.
"""

from rest_framework.permissions import BasePermission, IsAuthenticated

from .. import roles


def role_permission(*allowed: str, write: tuple[str, ...] | None = None) -> type[BasePermission]:
    """A permission class: logged in, then one of `allowed` (for the unsafe methods one of
    `write` when given)."""

    class RolePermission(BasePermission):
        def has_permission(self, request, view):
            if not IsAuthenticated().has_permission(request, view):
                return False
            wanted = allowed
            if write is not None and request.method not in ("GET", "HEAD", "OPTIONS"):
                wanted = write
            return roles.has_role(request.user, *wanted)

    RolePermission.__name__ = "Role_" + "_".join(allowed)
    return RolePermission


OFFICE = role_permission(roles.DISPATCHER, roles.MANAGER)
EVERY_ROLE = role_permission(roles.DISPATCHER, roles.TECHNICIAN, roles.MANAGER)
INTERVENTIONS = role_permission(
    roles.DISPATCHER, roles.TECHNICIAN, roles.MANAGER, write=(roles.DISPATCHER, roles.MANAGER)
)
TECHNICIAN = role_permission(roles.TECHNICIAN)
MANAGER = role_permission(roles.MANAGER)
