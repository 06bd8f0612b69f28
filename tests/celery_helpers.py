"""Point the project's Celery app at another broker for one test, then back."""

import contextlib

from config.celery import app


def _drop_pools() -> None:
    # The connection and producer pools are made for the broker of their time (kombu keeps one
    # per broker address: dropped here, not closed, as the next test may use it again).
    app._pool = None
    app.amqp._producer_pool = None


@contextlib.contextmanager
def using_broker(url: str, **conf):
    changed = {"broker_url": url, "task_always_eager": False, **conf}
    before = {key: app.conf[key] for key in changed}
    _drop_pools()
    app.conf.update(changed)
    try:
        yield app
    finally:
        app.conf.update(before)
        _drop_pools()
