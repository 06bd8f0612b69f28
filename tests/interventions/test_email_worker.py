"""A real Celery worker (a thread of this process) against the real Redis broker: the customer
signs, the message goes through Redis, the worker sends and records the e-mail.

Transactional tests: the worker's own database connection only sees committed rows. Marked
`redis`: skipped when Redis does not answer on a laptop, a failure in CI (REQUIRE_REDIS=1,
.ci/run). README, « Tâches en arrière-plan (Celery) »."""

import time

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.core import mail

from interventions.models import OutgoingEmail
from tests import mail_backends
from tests.celery_helpers import using_broker
from tests.interventions.test_emails import customer_signs, job_with_billing_address, stored_pdf

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(redis_broker, settings):
    settings.EMAIL_BACKEND = "tests.mail_backends.FlakyBackend"
    settings.EMAIL_RETRY_DELAY = 0.5
    settings.EMAIL_RETRY_MAX = 3
    mail_backends.reset()
    queue = redis.Redis.from_url(redis_broker)
    queue.flushdb()  # database 5 is this suite's: no message left by an earlier run
    with (
        using_broker(redis_broker) as app,
        start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20),
    ):
        yield app
    queue.flushdb()
    queue.close()
    mail_backends.reset()


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"still not true after {timeout} s")


def state_of(pk) -> str:
    return OutgoingEmail.objects.values_list("state", flat=True).get(pk=pk)


def test_sign_then_the_worker_sends_through_redis(worker, technician):
    job = job_with_billing_address(technician)
    report = customer_signs(job, technician, email="m.roux@garage-vial.fr")  # autocommit
    email = OutgoingEmail.objects.get(intervention=job)
    wait_for(lambda: state_of(email.pk) == OutgoingEmail.State.SENT)
    email.refresh_from_db()
    assert email.attempts == 1
    assert email.sent_at is not None
    assert sorted(m.to[0] for m in mail.outbox) == [
        "compta@garage-vial.fr",
        "m.roux@garage-vial.fr",
    ]
    for message in mail.outbox:
        [(_name, content, _type)] = message.attachments
        assert content == stored_pdf(report)


def test_the_worker_retries_after_a_smtp_error_and_sends_once_to_each(worker, technician):
    mail_backends.refuse("compta@garage-vial.fr", 1)
    job = job_with_billing_address(technician)
    customer_signs(job, technician, email="m.roux@garage-vial.fr")
    email = OutgoingEmail.objects.get(intervention=job)
    seen = []

    def sent():
        state = state_of(email.pk)
        if not seen or seen[-1] != state:
            seen.append(state)
        return state == OutgoingEmail.State.SENT

    wait_for(sent)
    email.refresh_from_db()
    # The retry came from the broker after the countdown: the row said so in between.
    assert OutgoingEmail.State.RETRYING in seen
    assert email.attempts == 2
    assert email.last_error == ""
    assert [m.to for m in mail.outbox] == [["m.roux@garage-vial.fr"], ["compta@garage-vial.fr"]]
