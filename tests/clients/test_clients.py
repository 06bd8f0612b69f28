from clients import services
from clients.selectors import client_search
from tests.factories import ClientFactory


def test_client_numbers_follow_each_other(db):
    first = services.client_create(name="Boulangerie Martin", city="Lyon")
    second = services.client_create(name="Cabinet Durand")
    assert (first.number, second.number) == ("CLI-00001", "CLI-00002")


def test_search_by_name_number_city_and_any_phone_format(db):
    bakery = ClientFactory(
        name="Boulangerie Martin", city="Villeurbanne", phone="+33 6 12 34 56 78"
    )
    ClientFactory(name="Cabinet Durand", city="Lyon", phone="04 72 00 00 00")
    assert list(client_search("boulang")) == [bakery]
    assert list(client_search(bakery.number)) == [bakery]
    assert list(client_search("villeur")) == [bakery]
    assert list(client_search("06 12 34")) == [bakery]
    assert list(client_search("0612")) == [bakery]
    assert list(client_search("")) == []
