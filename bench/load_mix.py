"""What the mixed load sends, shared by `bench/locustfile.py` and `bench/load_profile.py` (plain
Python: neither Django nor locust is imported here)."""

import datetime
import random


def call_form(state: dict, rng=random) -> dict:
    """A customer's call as the dispatcher saves it, tagged with the run's marker (counted
    afterwards by `bench/load_check.py`)."""
    client_id, equipment_id = rng.choice(state["equipment"])
    return {
        "client": client_id,
        "equipment": equipment_id,
        "caller_name": "Mme Charge",
        "caller_phone": "04 78 00 00 00",
        "channel": "phone",
        "priority": "2",
        "object": f"Imprimante bloquée {state['marker']}",
        # Local clock minus a few minutes: never in the future in Paris time.
        "requested_at": (datetime.datetime.now() - datetime.timedelta(minutes=5)).strftime(
            "%Y-%m-%dT%H:%M"
        ),
    }
