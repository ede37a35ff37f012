"""A plan's changes as REST steps, in the order that keeps the platform consistent throughout.

Levels run one after the other; the steps of one level run in parallel:

0. products: create, update, unarchive
1. plans: create, update, unarchive, and the *create* of a replace (the new generation, with
   ``metadata.offerspec_replaces``); a plan whose group owner plan is created or replaced here
   waits for it (one more level per depth)
2. offers: create, update, unarchive, and *repoint*: an offer listing a replaced plan gets the
   new generation's id (plans naming a replaced group owner alike, after their owner)
3. *archive the old generation* of each replaced plan (already archived on ``offerspec serve``,
   which records the create as the replacing generation: then nothing is sent)
4.-6. archives and deletes: offers, then plans, then products (a plan replaced and archived at
   once is replaced among the plans' archives, its old generation archived right after)

So no offer ever lists a plan that is missing or archived, even when an apply stops half-way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from offerspec.diagnostics import OfferspecError
from offerspec.diff.changes import (
    Archive,
    Change,
    Create,
    Delete,
    Rename,
    Replace,
    Unarchive,
    Update,
)
from offerspec.platform import singular
from offerspec.store.http.snapshot import RemoteSnapshot

BUILD_LEVEL = {"products": 0, "plans": 1, "offers": 100}
OLD_GENERATIONS = 200
TEARDOWN_LEVEL = {"offers": 300, "plans": 301, "products": 303}
ARCHIVED_REPLACE_OLD = 302
"""The old generation of a replace whose new generation is archived: after its create (301)."""


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    """Stable within a plan: ``create plans/monthly``; part of the step's Idempotency-Key."""
    level: int
    action: str
    """create, update, unarchive, replace-create, repoint, archive-old, archive, delete"""
    kind: str
    ident: str
    change: Change | None = None
    number: int | None = None
    """The platform id written (None: a create; the id is the platform's answer)."""

    @property
    def method(self) -> str:
        return "POST" if self.action in ("create", "replace-create") else \
            "DELETE" if self.action == "delete" else "PUT"

    def describe(self) -> str:
        one = singular(self.kind)
        target = f"/{self.kind}" if self.method == "POST" or self.number is None \
            else f"/{self.kind}/{self.number}"
        what = {
            "create": f"create {one} {self.ident}",
            "update": f"update {one} {self.ident}",
            "unarchive": f"unarchive {one} {self.ident}",
            "archive": f"archive {one} {self.ident}",
            "delete": f"delete {one} {self.ident}",
            "replace-create": f"create the new generation of {one} {self.ident} "
                              f"(replaces {self.replaced})",
            "repoint": f"point {one} {self.ident} at the new generation(s)",
            "archive-old": f"archive the old generation of {one} {self.ident}",
        }[self.action]
        return f"{self.method} {target}: {what}"

    @property
    def replaced(self) -> int | None:
        if isinstance(self.change, Replace):
            return self.number
        return None


def _plan_depths(changes: Sequence[Change]) -> dict[str, int]:
    """Plan id -> how many created/replaced group owners it waits for (0: none)."""
    written = {c.id: c for c in changes if c.kind == "plans"
               and isinstance(c, Create | Replace | Update | Unarchive)}
    new_numbers = {c.id for c in written.values() if isinstance(c, Create | Replace)}
    depths: dict[str, int] = {}

    def depth(ident: str, seen: frozenset[str]) -> int:
        if ident in depths:
            return depths[ident]
        change = written.get(ident)
        owner = change.data.get("group_owner_plan") if change is not None else None
        value = 0
        if owner in new_numbers and owner not in seen and owner != ident:
            value = depth(owner, seen | {ident}) + 1
        depths[ident] = value
        return value

    for ident in written:
        depth(ident, frozenset())
    return depths


def plan_steps(changes: Sequence[Change], snapshot: RemoteSnapshot) -> list[Step]:
    """Every REST step of a plan, ordered by level (see the module's docstring)."""
    steps: list[Step] = []
    depths = _plan_depths(changes)
    own = {(c.kind, c.id) for c in changes}
    repoint: dict[tuple[str, str], int] = {}

    def number_of(kind: str, ident: str) -> int | None:
        live = snapshot.get(kind, ident)
        return live.number if live is not None else None

    for change in changes:
        kind, ident = change.kind, change.id
        if isinstance(change, Rename):
            raise OfferspecError(
                f"{singular(kind)} {change.old_id} -> {ident}: an HTTP store cannot rename (the "
                "platform's metadata.offerspec_id of an object does not change)",
                hint=f"drop renamed_from and let the plan create {ident} and archive "
                     f"{change.old_id}, or rename in the store offerspec serve serves")
        if isinstance(change, Archive | Delete):
            action = "archive" if isinstance(change, Archive) else "delete"
            steps.append(Step(f"{action} {kind}/{ident}", TEARDOWN_LEVEL[kind], action, kind, ident,
                              change, number_of(kind, ident)))
            continue
        level = BUILD_LEVEL[kind] + depths.get(ident, 0) if kind == "plans" else BUILD_LEVEL[kind]
        if isinstance(change, Create):
            steps.append(Step(f"create {kind}/{ident}", level, "create", kind, ident, change))
        elif isinstance(change, Replace):
            archived = change.data.get("status") == "archived"
            if archived:  # replaced and archived at once: a teardown, after the offers move
                level = TEARDOWN_LEVEL[kind]
            steps.append(Step(f"replace-create {kind}/{ident}", level, "replace-create", kind,
                              ident, change, number_of(kind, ident)))
            for offer in change.offers:
                if ("offers", offer) not in own:
                    repoint[("offers", offer)] = BUILD_LEVEL["offers"]
            for plan in change.group_plans:
                if ("plans", plan) not in own:
                    repoint[("plans", plan)] = max(repoint.get(("plans", plan), 0), level + 1)
            steps.append(Step(f"archive-old {kind}/{ident}",
                              ARCHIVED_REPLACE_OLD if archived else OLD_GENERATIONS, "archive-old",
                              kind, ident, change, number_of(kind, ident)))
        else:
            assert isinstance(change, Update | Unarchive)
            action = "update" if isinstance(change, Update) else "unarchive"
            steps.append(Step(f"{action} {kind}/{ident}", level, action, kind, ident, change,
                              number_of(kind, ident)))
    for (kind, ident), level in repoint.items():
        if snapshot.get(kind, ident) is not None:
            steps.append(Step(f"repoint {kind}/{ident}", level, "repoint", kind, ident, None,
                              number_of(kind, ident)))
    for kind, ident, number in snapshot.old_active:
        steps.append(Step(f"archive-old {kind}/{ident}#{number}", OLD_GENERATIONS, "archive-old",
                          kind, ident, None, number))
    steps.sort(key=lambda s: (s.level, s.kind, s.ident, s.key))
    return steps


def levels(steps: Sequence[Step]) -> list[list[Step]]:
    out: list[list[Step]] = []
    for step in steps:
        if out and out[-1][0].level == step.level:
            out[-1].append(step)
        else:
            out.append([step])
    return out


def touched(changes: Sequence[Change], snapshot: RemoteSnapshot) -> dict[str, str]:
    """``kind/id`` -> plan-time ETag of every live object the plan's steps write."""
    steps = plan_steps(changes, snapshot)
    out: dict[str, str] = {}
    for step in steps:
        tag = snapshot.etags.get((step.kind, step.ident))
        if step.number is not None and tag is not None:
            out[f"{step.kind}/{step.ident}"] = tag
    return out


def step_lines(changes: Sequence[Change], snapshot: RemoteSnapshot) -> list[str]:
    """The plan's steps over REST and the unmanaged objects, as the plan shows them."""
    lines: list[str] = []
    if snapshot.unmanaged:
        lines.append(f"Unmanaged on the platform (no metadata.offerspec_id; never changed; "
                     f"offerspec import KIND/ID PLATFORM_ID adopts one): {len(snapshot.unmanaged)}")
        lines.extend(f"  ? {u.describe()}" for u in snapshot.unmanaged[:50])
        if len(snapshot.unmanaged) > 50:
            lines.append(f"  ... and {len(snapshot.unmanaged) - 50} more")
    steps = plan_steps(changes, snapshot)
    if not steps:
        return lines
    lines.append(f"Steps over REST, in order ({len(steps)}; each level in parallel):")
    shown = steps if len(steps) <= 200 else steps[:200]
    lines.extend(f"  {n:>4}. {step.describe()}" for n, step in enumerate(shown, start=1))
    if len(steps) > len(shown):
        lines.append(f"  ... and {len(steps) - len(shown)} more")
    return lines
