import threading

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from interventions.models import Intervention
from tests.factories import ClientFactory, make_intervention


def test_numbers_are_consecutive_and_formatted_by_year(db):
    year = timezone.localdate().year
    first = make_intervention()
    second = make_intervention(client=first.client)
    assert first.number == f"{year}-00001"
    assert second.number == f"{year}-00002"
    assert (second.year, second.sequence) == (year, 2)


def test_a_rolled_back_creation_gives_its_number_back(db):
    client = ClientFactory()
    make_intervention(client=client)
    with pytest.raises(RuntimeError), transaction.atomic():
        make_intervention(client=client)
        raise RuntimeError("the dispatcher's save failed later in the same transaction")
    third = make_intervention(client=client)
    assert third.sequence == 2


def test_creation_without_object_is_refused_and_takes_no_number(db):
    from django.core.exceptions import ValidationError

    client = ClientFactory()
    with pytest.raises(ValidationError):
        make_intervention(client=client, object="   ")
    assert make_intervention(client=client).sequence == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_creations_get_fifty_consecutive_numbers():
    client = ClientFactory()
    errors = []
    barrier = threading.Barrier(10)

    def worker(count):
        try:
            barrier.wait()
            for _ in range(count):
                make_intervention(client=client, object="Appel simultané")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(5,)) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert connection.vendor == "postgresql"
    assert errors == []
    sequences = sorted(Intervention.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, 51))
    assert Intervention.objects.values("number").distinct().count() == 50
