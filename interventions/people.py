"""How a person is named everywhere: events, forms, the report snapshot, the PDF, the history."""


def display_name(user, empty: str = "") -> str:
    """Full name, else login; `empty` when there is nobody."""
    if user is None:
        return empty
    return user.get_full_name() or user.get_username()
