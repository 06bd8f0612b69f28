"""How a person is named everywhere: events, forms, the report snapshot, the PDF, the history."""


def display_name(user, empty: str = "") -> str:
    """Full name, else login; `empty` when there is nobody."""
    if user is None:
        return empty
    return user.get_full_name() or user.get_username()


def person_data(user, side: str) -> dict:
    """What an event stores about the person on `side` ("from" or "to") of a move: the login
    (as before), the id (to show the current name) and the name at the time (if the user goes)."""
    if user is None:
        return {side: None, f"{side}_id": None, f"{side}_name": None}
    return {side: user.get_username(), f"{side}_id": user.pk, f"{side}_name": display_name(user)}
