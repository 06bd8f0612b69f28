"""The indexes of issue 14's last steps exist on PostgreSQL as EXPLAIN needs them: the
« à faire signer » count reads the jobs in progress from a partial index and their finished
visits from a covering one (both or neither: bench/README.md), and the annual visits read the
planned jobs from a partial covering index. SQLite (`make run`) migrates them as plain indexes."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def _definitions() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN "
            "('intervention_in_progress_idx', 'visit_done_idx', 'intervention_planned_idx')"
        )
        return dict(cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's catalogue")
def test_to_sign_and_annual_visits_indexes_exist_as_planned():
    indexes = _definitions()
    in_progress = indexes["intervention_in_progress_idx"]
    assert "(id)" in in_progress and "'in_progress'" in in_progress
    visits = indexes["visit_done_idx"]
    assert "(intervention_id) INCLUDE (left_at, arrived_at)" in visits
    planned = indexes["intervention_planned_idx"]
    assert "(requested_at) INCLUDE (contract_id, status, id)" in planned
    assert "'planned'" in planned


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_to_sign_count_reads_both_indexes_alone(technician):
    from interventions.models import Intervention, to_sign_q

    sql, params = Intervention.objects.filter(to_sign_q()).values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a test database is tiny
        cursor.execute("EXPLAIN SELECT COUNT(*) FROM (" + sql + ") AS s", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "intervention_in_progress_idx" in plan
    assert "visit_done_idx" in plan
