"""The demo data set behind `manage.py demo_data`: `data` holds what is created, as plain
lists and dicts; `build` creates it through the services, like real work.

Other apps add their demo objects without this package knowing them, so that `interventions`
never imports them (procedures adds its demo procedures this way). An app's `demo` module
registers a builder, a function of the demo users, with the `@interventions.demo.register`
decorator when it is imported; `extensions_build` imports the `demo` module of every installed
app (as the admin discovers `admin` modules), then calls each builder with the demo users by
username. The builders run in the command's transaction, after the demo interventions exist.
"""

from collections.abc import Callable

from django.utils.module_loading import autodiscover_modules

Builder = Callable[[dict], None]

_builders: list[Builder] = []


def register(builder: Builder) -> Builder:
    """Add an app's demo builder (usable as a decorator; registering twice is harmless)."""
    if builder not in _builders:
        _builders.append(builder)
    return builder


def extensions_build(users: dict) -> None:
    """Run the builders of the installed apps' `demo` modules, in registration order."""
    autodiscover_modules("demo")
    for builder in _builders:
        builder(users)
