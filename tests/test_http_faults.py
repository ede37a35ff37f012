"""The HTTP store under faults: what replaces an atomic apply (ordered, idempotent, resumable
steps) and the apply lock (If-Match), against a real ``offerspec serve --faults`` on loopback.

Properties: random catalogs A then B applied under 500/503s, slow answers and writes committed
whose response is cut leave the platform equal to B, with no duplicate (one active object per
offerspec_id) and no offer listing a missing or archived plan; a client killed with SIGKILL
part-way, then applied again, ends equal with no duplicate; two applies at once never make a
duplicate (the second stops on a 412 or finds nothing left to do). Bounded: the big runs are in
bench/.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from httpkit import Platform, dangling, duplicates, live_equals, platform
from offerspec.catalog import Catalog
from offerspec.diff.safety import PlanOptions
from offerspec.store.base import ApplyMeta
from offerspec.store.http.runner import ApplyStopped
from offerspec.workflow import plan
from storekit import write_big_catalog
from test_store_properties import catalogs

OPTIONS = PlanOptions(allow_destroy=True)
META = ApplyMeta("sha256:x", "s", "u", "h")
FAULTS = "500:0.1,503:0.02,delay:0.05:30ms,cut:0.15,seed:{seed}"
RETRIES: list[int] = []


def _apply(api: Platform, catalog: Catalog) -> None:
    store = api.store()
    try:
        changeset = plan(catalog, store.snapshot(), OPTIONS)
        if not changeset.empty:
            store.apply(list(changeset.changes), 0, META)
        assert plan(catalog, store.snapshot(), OPTIONS).empty
        live_equals(store, catalog)
        RETRIES.append(store.client.stats.retries)
    finally:
        store.close()
    lists = api.lists()
    assert duplicates(lists) == [], duplicates(lists)
    assert dangling(lists) == [], dangling(lists)


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with platform(tmp_path_factory.mktemp("faulty"), "--faults", FAULTS.format(seed=7)) as api:
        yield api


def _valid(step: dict[str, Any]) -> Catalog | None:
    """The catalog as ``validate`` compiles it (normalized), or None when it is not valid.
    Without group owner plans: serve checks the whole catalog on every single write, and a
    group owner replaced by a non-membership plan before its members move is refused there."""
    import tempfile

    import yaml

    from offerspec.diagnostics import DiagnosticsError
    from offerspec.workflow import load_desired

    for plan_ in step["plans"]:
        plan_.pop("group_owner_plan", None)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "c.yaml").write_text(yaml.safe_dump(step, allow_unicode=True))
        try:
            return load_desired([tmp])[0]
        except DiagnosticsError:
            return None


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(catalogs().map(_valid).filter(lambda c: c is not None), min_size=2, max_size=2))
def test_a_then_b_under_faults_ends_at_b_with_no_duplicate_and_no_dangling_offer(
        faulty: Platform, steps: list[Catalog]) -> None:
    """Each example applies A then B on top of what the one before left: the platform ends
    equal to B whatever it held (creates, updates, replaces, archives, unarchives)."""
    for step in steps:
        _apply(faulty, step)


def test_the_faults_were_hit_and_retried(faulty: Platform) -> None:
    assert "answered 500" in faulty.server.log
    assert sum(RETRIES) > 0


def test_rate_limit_429_with_retry_after_is_waited_out(tmp_path: Path) -> None:
    catalog = Catalog.from_objects({
        "products": [{"id": f"p{i}", "name": f"P{i}"} for i in range(25)], "plans": [],
        "offers": []})
    with platform(tmp_path / "limited", "--rate-limit", "10/s") as api:
        store = api.store()
        try:
            started = time.monotonic()
            store.apply(list(plan(catalog, store.snapshot(), OPTIONS).changes), 0, META)
            assert time.monotonic() - started >= 1.0  # 28 requests at 10/s: it had to wait
            assert store.client.stats.retries > 0
            assert plan(catalog, store.snapshot(), OPTIONS).empty
        finally:
            store.close()


def _cli_apply(catalog: Path, url: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "offerspec", "apply", "--auto-approve", str(catalog), "--store", url,
         *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})


def test_kill_9_part_way_then_apply_again_ends_equal_with_no_duplicate(tmp_path: Path) -> None:
    """No local state: the next apply plans from the platform and finishes the rest (a write
    whose answer the killed client never saw is found by its offerspec_id). Bench: 1,000."""
    catalog = write_big_catalog(tmp_path / "big", 150, 100)
    replaced = write_big_catalog(tmp_path / "replaced", 150, 500)  # every plan replaced
    rng = random.Random(5)
    interrupted = 0
    with platform(tmp_path / "platform") as api:
        for target in (catalog, replaced):
            before = len(api.lists()["plans"])
            proc = _cli_apply(target, api.url)
            deadline = time.monotonic() + 60
            while len(api.lists()["plans"]) < before + 5 and time.monotonic() < deadline:
                time.sleep(0.02)  # writing now: kill at a random point a little later
            time.sleep(rng.uniform(0.0, 0.3))
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=30)
            lists = api.lists()
            assert duplicates(lists) == [] and dangling(lists) == []
            left = _left(api, target)
            interrupted += left > 0
            again = _cli_apply(target, api.url)
            _, err = again.communicate(timeout=300)
            assert again.returncode == 0, err
            from offerspec.workflow import load_desired

            desired, _ = load_desired([target])
            store = api.store()
            try:
                assert plan(desired, store.snapshot()).empty
                live_equals(store, desired)
            finally:
                store.close()
            lists = api.lists()
            assert duplicates(lists) == [] and dangling(lists) == []
    assert interrupted >= 1  # the kill came part-way at least once (else the test proves nothing)


def _left(api: Platform, target: Path) -> int:
    from offerspec.workflow import load_desired

    desired, _ = load_desired([target])
    store = api.store()
    try:
        return len(plan(desired, store.snapshot()).changes)
    finally:
        store.close()


def test_two_applies_at_once_the_second_stops_on_412_or_finds_nothing_to_do(
        tmp_path: Path) -> None:
    """Instead of the apply lock: If-Match. Two applies of different edits of the same plans
    race; each object is written by one of them, the other stops naming it (412) or has
    nothing left; never a duplicate."""
    base = write_big_catalog(tmp_path / "base", 30, 100)
    with platform(tmp_path / "platform") as api:
        first = _cli_apply(base, api.url)
        first.communicate(timeout=120)
        assert first.returncode == 0
        one = write_big_catalog(tmp_path / "one", 30, 100)
        two = write_big_catalog(tmp_path / "two", 30, 100)
        for directory, name in ((one, "One"), (two, "Two")):
            text = (directory / "big.yaml").read_text().replace("nickname: Plan", f"nickname: {name}")
            (directory / "big.yaml").write_text(text)
        procs = [_cli_apply(one, api.url), _cli_apply(two, api.url)]
        results = [p.communicate(timeout=120) for p in procs]
        codes = [p.returncode for p in procs]
        for code, (_, err) in zip(codes, results, strict=True):
            if code != 0:
                assert code == 1 and "412" in err and "was changed on the platform" in err, err
                assert "steps were done" in err
        lists = api.lists()
        assert duplicates(lists) == [] and dangling(lists) == []
        assert {p["nickname"].split()[0] for p in lists["plans"]} <= {"One", "Two", "Plan"}
        finish = _cli_apply(one, api.url)
        finish.communicate(timeout=120)
        assert finish.returncode == 0
        lists = api.lists()
        assert {p["nickname"].split()[0] for p in lists["plans"]} == {"One"}
        assert duplicates(lists) == []


def test_a_stopped_apply_says_what_was_done_then_plan_shows_only_the_rest(
        tmp_path: Path) -> None:
    """A permanent failure part-way (here: a create refused because the id was taken since the
    plan) stops the apply with the steps done and not done; plan then shows the rest."""
    catalog = Catalog.from_objects({
        "products": [{"id": "p", "name": "P"}],
        "plans": [{"id": f"m{i}", "nickname": "M", "product": "p", "amount": 100 + i,
                   "currency": "USD", "interval": "month"} for i in range(6)],
        "offers": []})
    with platform(tmp_path / "platform") as api:
        product = {"products": [{"id": "p", "name": "P"}], "plans": [], "offers": []}
        _apply(api, Catalog.from_objects(product))
        store = api.store(parallelism=1)
        try:
            snapshot = store.snapshot()
            changes = plan(catalog, snapshot).changes
            _apply(api, Catalog.from_objects({**product, "plans": [
                {"id": "m3", "nickname": "M", "product": "p", "amount": 1, "currency": "USD",
                 "interval": "month"}]}))
            store._snapshot = snapshot
            with pytest.raises(ApplyStopped) as stopped:
                store.apply(list(changes), 0, META)
            message = stopped.value.message
            assert "plan m3" in message and "not done" in message and "done: " in message
            rest = plan(catalog, store.snapshot()).changes
            assert {c.id for c in rest} <= {"m3", "m4", "m5"} and rest
            store.apply(list(rest), 0, META)
            assert plan(catalog, store.snapshot()).empty
        finally:
            store.close()


def test_sigterm_part_way_says_which_steps_were_done(tmp_path: Path) -> None:
    catalog = write_big_catalog(tmp_path / "big", 80, 100)
    with platform(tmp_path / "platform") as api:
        proc = _cli_apply(catalog, api.url)
        deadline = time.monotonic() + 60
        while len(api.lists()["plans"]) < 5 and time.monotonic() < deadline:  # applying now
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        left = _left(api, catalog)
        if proc.returncode == 0:  # finished before the signal: nothing to check
            assert left == 0
            return
        assert proc.returncode == 143, err
        assert "the apply stopped part-way: " in err and "steps were done" in err
        assert "offerspec plan shows the rest" in err and "Traceback" not in err
        assert left > 0
        lists = api.lists()
        assert duplicates(lists) == [] and dangling(lists) == []
