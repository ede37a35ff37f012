"""The store contract suite (tests/test_plan_apply.py, the pull/export/simulate round trips),
run with the HTTP store against a real ``offerspec serve`` on loopback, one per test.

Left out, and what replaces them over REST (tests/test_http_store.py, test_http_faults.py):
revisions and ``history``/``show`` (the platform keeps none: ETags in saved plans instead),
the apply lock and its prompt-time waiting (If-Match on every write instead), and the atomic
apply (ordered, idempotent, resumable steps instead). Also left out: the replace test reading
the store's version rows per revision (test_http_store.py checks the replace's steps and the
platform's generations), and the markdown/JSON test of a
store that does not exist yet (a platform always exists: its plans are never 'for a new store').
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from httpkit import platform
from test_plan_apply import (  # noqa: F401 - collected here with the HTTP store's url
    test_apply_then_plan_is_no_changes_and_apply_is_idempotent,
    test_empty_store_plan_creates_everything,
    test_hard_delete_needs_the_flag_and_an_archived_object,
    test_nickname_edit_is_an_update_in_place,
    test_readding_archived_with_new_price_replaces,
    test_removed_plan_is_archived_not_deleted_and_readding_unarchives,
    test_replacing_a_group_owner_plan_names_the_group_plans,
    test_safety_rails,
)
from test_pull_every_field import test_pull_round_trip_with_every_plan_field_set  # noqa: F401
from test_pull_export_config import (  # noqa: F401
    test_export_csv,
    test_pull_of_an_empty_store,
    test_pull_round_trip,
)
from test_simulate_from_store import (  # noqa: F401
    test_simulate_reads_the_applied_catalog_from_the_store,
)


@pytest.fixture
def store_url(tmp_path: Path) -> Iterator[str]:
    with platform(tmp_path / "platform") as api:
        yield api.url


@pytest.fixture
def url(store_url: str) -> str:
    return store_url
