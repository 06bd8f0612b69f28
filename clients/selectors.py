import datetime
from functools import reduce
from operator import add

from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection, transaction
from django.db.models import Count, F, Q, Value

from .models import Client, Contract, Equipment
from .search import query_words


def client_active_contracts(client: Client, day: datetime.date) -> list[Contract]:
    """Every contract of the client active on `day`, client-wide and equipment-bound, newest
    first, each with `equipment_count`: the choices offered for a call that names no
    equipment."""
    return list(
        Contract.objects.filter(client=client, start_date__lte=day, end_date__gte=day)
        .annotate(equipment_count=Count("equipment"))
        .order_by("-start_date", "number")
    )


def active_contract_for(
    client: Client, equipment: Equipment | None, day: datetime.date
) -> Contract | None:
    """The contract that entitles this call when nobody chose it.

    With equipment: its own contract when it is active on `day`; otherwise a client-wide
    contract (one that no equipment is attached to, e.g. an assistance contract) active on
    `day`. A contract attached to other equipment does not cover this one.

    Without equipment (the dispatcher normally chooses, see `client_active_contracts`): the
    client's only active contract, whether or not it is tied to machines; among several, the
    client-wide one as above.
    """
    if equipment is not None and equipment.contract_id:
        contract = equipment.contract
        if contract.is_active_on(day):
            return contract
    active = Contract.objects.filter(client=client, start_date__lte=day, end_date__gte=day)
    if equipment is None:
        only = list(active[:2])
        if len(only) == 1:
            return only[0]
    return active.filter(equipment__isnull=True).order_by("-start_date").first()


# pg_trgm's default (0.6) misses one wrong letter in a 7-letter word: « lefebre » and
# « lefevre » share 5 trigrams of 8, a word similarity of 0.5.
TYPO_SIMILARITY = 0.4


def words_q(words: list[str], *fields: str) -> Q:
    """Every word contained in one of `fields` (normalised `search_text` columns)."""
    condition = Q()
    for word in words:
        condition &= reduce(Q.__or__, (Q(**{f"{field}__contains": word}) for field in fields))
    return condition


def client_search(query: str, *, limit: int = 20) -> list[Client]:
    """Active clients whose `search_text` contains every word of the query, by name.

    Accents, case, punctuation and the form of a phone number do not matter: query and stored
    text are normalised by the same function (clients/search.py), so SQLite and PostgreSQL
    return the same clients. On PostgreSQL only, when nothing contains the words, a typo
    fallback: each word contained in the text or similar to a part of it (pg_trgm word
    similarity at least TYPO_SIMILARITY; « lefebre » → « Lefèvre », 0.5), most similar first.
    Both queries are served by the GIN trigram index of migration 0003.
    """
    words = query_words(query)
    if not words:
        return []
    active = Client.objects.filter(active=True)
    found = list(active.filter(words_q(words, "search_text")).order_by("name", "pk")[:limit])
    # Typos are looked for in words of letters only: a number is right or wrong.
    typos = [word for word in words if not any(ch.isdigit() for ch in word)]
    if found or not typos or connection.vendor != "postgresql":
        return found
    similar = words_q([word for word in words if word not in typos], "search_text")
    for word in typos:
        similar &= Q(search_text__contains=word) | Q(
            TrigramWordSimilar(F("search_text"), Value(word))
        )
    rank = reduce(add, (TrigramWordSimilarity(Value(word), "search_text") for word in typos))
    candidates = active.filter(similar).annotate(rank=rank).order_by("-rank", "name", "pk")
    with transaction.atomic(), connection.cursor() as cursor:
        # For this transaction (or savepoint) only: the threshold of the indexable `%>`
        # operator, and the index itself (the planner prices word_similarity() as cheap and
        # would rather scan the table, computing it 10,000 times: 10 times slower).
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true),"
            " set_config('enable_seqscan', 'off', true)",
            [str(TYPO_SIMILARITY)],
        )
        found = list(candidates[:limit])
        # Read only: rolling back undoes the two settings, even inside a caller's transaction.
        transaction.set_rollback(True)
    return found


# --- pickers: a client or a contract chosen by typing (billing filters, contract rates) ----


# What a picker searches with: longer text is no name, and each word is one SQL condition
# (SQLite refuses thousands of them, and a LIKE pattern over 50,000 bytes).
PICK_QUERY_MAX = 200


def client_pick(query: str, *, limit: int = 10) -> list[Client]:
    """Clients, active or not, whose number or search text holds every word typed, by name."""
    words = query_words(query[:PICK_QUERY_MAX])
    if not words:
        return []
    return list(Client.objects.filter(words_q(words, "search_text")).order_by("name", "pk")[:limit])


def contract_pick(query: str, *, limit: int = 10) -> list[Contract]:
    """Contracts whose number, or whose client's search text, holds every word typed."""
    query = query[:PICK_QUERY_MAX].replace("\x00", "").strip()
    words = query_words(query)
    if not words:
        return []
    by_client = words_q(words, "client__search_text")
    return list(
        Contract.objects.filter(Q(number__icontains=query) | by_client)
        .select_related("client")
        .order_by("client__name", "number", "pk")[:limit]
    )
