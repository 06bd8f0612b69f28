"""The pages of `interventions`, one module per thing a user does (see `urls.py`)."""
