"""What the core asks its extensions, without importing them.

`interventions` is the core: it knows nothing of the apps built on it (`procedures` today).
An extension registers its callables here, by name, from its `AppConfig.ready()`, and the core
calls whatever is registered at four points:

* `on_intervention_created`: `func(intervention, *, actor) -> None`, called by
  `services.intervention_create` inside the transaction that creates the ticket (an exception
  rolls the whole creation back). procedures attaches its checklists and acceptance procedures.
* `signature_blockers`: `func(intervention) -> list[str]`, French sentences appended to
  `services.signature_blockers` (the report cannot go to signature while one is returned).
  procedures names the unanswered required points.
* `snapshot_extras`: `func(intervention) -> JSON-serialisable value`, stored in the report
  snapshot under `extras[name]` (see snapshot.py), so it is frozen, printed and fingerprinted
  with the rest. procedures registers "acceptance".
* `offline_extras`: `func(interventions: list) -> {intervention id: JSON value}`, added to each
  job of the tablet's offline bundle under `name` (interventions/offline.py), in a constant
  number of queries for the whole list. procedures registers "procedures" (the checklists and
  acceptance to fill offline).

Example (procedures/apps.py)::

    def ready(self):
        extensions.signature_blockers.register("procedures", selectors.signature_blockers)

Callables run in registration order. Registering a name again replaces its callable, so a
`ready()` that runs twice does not run a hook twice.
"""

from collections.abc import Callable


class Registry:
    """Callables registered by name, for one point of the core."""

    def __init__(self) -> None:
        self._by_name: dict[str, Callable] = {}

    def register(self, name: str, func: Callable) -> Callable:
        self._by_name[name] = func
        return func

    def unregister(self, name: str) -> None:
        self._by_name.pop(name, None)

    def items(self) -> list[tuple[str, Callable]]:
        return list(self._by_name.items())


on_intervention_created = Registry()
signature_blockers = Registry()
snapshot_extras = Registry()
offline_extras = Registry()
