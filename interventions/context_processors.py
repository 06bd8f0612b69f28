from . import roles


def role(request):
    user = getattr(request, "user", None)
    current = roles.user_role(user) if user is not None else None
    return {
        "user_role": current,
        "user_role_label": roles.LABELS.get(current, ""),
        "is_dispatcher": current == roles.DISPATCHER,
        "is_technician": current == roles.TECHNICIAN,
        "is_manager": current == roles.MANAGER,
    }
