"""The REST API (README, « API REST »): /api/v1/ for clients, sites, contracts, equipment,
interventions, signed reports and billing rows; /api/schema/ and /api/docs/.

Nothing here decides: the permissions are the pages' roles (`roles`) and querysets
(`selectors.visible_interventions`), the input is checked by the pages' forms (`forms.py`,
`tablet_forms.py`, `billing_forms.py`: the same French messages), the writes are the services,
the PDF is the stored file, the verification is `verification.versions_check`, the billing rows
are `billing.export_rows`. One package for both apps: `clients` imports nothing of
`interventions`, so its API lives here.
"""
