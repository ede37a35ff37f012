"""Safety rails: refuse plans that would archive everything, or too much at once."""

from __future__ import annotations

from dataclasses import dataclass

from offerspec.diagnostics import OfferspecError
from offerspec.diff.changes import Archive, Change, Delete
from offerspec.diff.defaults import DEFAULT_MAX_ARCHIVE_SHARE
from offerspec.store.base import Snapshot


@dataclass(frozen=True, slots=True)
class PlanOptions:
    delete_removed: bool = False
    """Hard-delete objects that are absent from the catalog and already archived."""
    allow_destroy: bool = False
    """Allow a plan that archives every live object, or more than ``max_archive_share`` of them."""
    max_archive_share: float = DEFAULT_MAX_ARCHIVE_SHARE


class UnsafePlan(OfferspecError):
    pass


def check_safety(changes: list[Change] | tuple[Change, ...], snapshot: Snapshot,
                 options: PlanOptions) -> None:
    if options.allow_destroy:
        return
    active = snapshot.count(status="active")
    removing = sum(1 for c in changes if isinstance(c, Archive)
                   or (isinstance(c, Delete) and snapshot.get(c.kind, c.id) is not None
                       and snapshot.objects[c.kind][c.id].status == "active"))
    if active == 0 or removing == 0:
        return
    if removing >= active:
        raise UnsafePlan(
            f"this plan would archive or delete every live object ({removing} of {active})",
            hint="is the catalog path right (an empty or half-read directory)? "
                 "If this is really meant, pass --allow-destroy")
    share = removing / active
    if share > options.max_archive_share:
        raise UnsafePlan(
            f"this plan would archive or delete {removing} of {active} live objects "
            f"({share:.0%}, more than --max-archive-share {options.max_archive_share:g})",
            hint=f"check the catalog, then pass --max-archive-share {min(1.0, share + 0.005):.2f} "
                 "or --allow-destroy")
