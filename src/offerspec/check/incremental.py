"""The catalog's rules after one object changes, run on what that change can affect.

``validate`` runs every rule on the whole catalog. When a catalog passes every rule (no errors)
and one object changes, an error in the result must involve that object: a rule that looks at
one object at a time (``local``, ``reads``) can only find it on the changed object; a rule that
compares objects can only find it between the changed object and an object it meets, either
through references (a plan's product, grants and group owner, an offer's plans, followed
transitively, and the objects that refer to it) or under one of the rule's ``shared`` keys (two
plans claiming one domain). ``Neighbourhoods`` indexes a catalog that passes, and ``context``
gives the changed object with everything it meets: the same rules on that context find the same
errors as on the whole catalog (tests/test_incremental_checks.py compares them on every rule's
failing example).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import Any

from offerspec.check.context import CheckContext, Located
from offerspec.check.rules import Rule, load_rules

Key = tuple[str, str]
KINDS = ("products", "plans", "offers")


def links(kind: str, obj: Any) -> Iterator[Key]:
    """The objects this one refers to (what the rules that follow references read)."""
    if kind == "plans":
        yield "products", obj.product
        for grant in obj.grants or ():
            yield "products", grant
        if obj.group_owner_plan is not None:
            yield "plans", obj.group_owner_plan
    elif kind == "offers":
        for plan in obj.plans:
            yield "plans", plan


class Neighbourhoods:
    """Indexes of a catalog that passes every rule: references both ways, and the rules'
    shared keys. ``ctx`` is the catalog's context; ``replace`` keeps both up to date."""

    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self.rules: list[Rule] = [r for r in load_rules() if r.shared is not None]
        self._links: dict[Key, tuple[Key, ...]] = {}
        self._users: dict[Key, set[Key]] = {}
        self._keys: dict[Key, tuple[Hashable, ...] | None] = {}
        self._holders: dict[Hashable, set[Key]] = {}
        self._everywhere: set[Key] = set()
        for kind in KINDS:
            table: dict[str, Located[Any]] = getattr(ctx, kind)
            for ident, located in table.items():
                self._index((kind, ident), located.obj)

    def shared_keys(self, kind: str, obj: Any) -> tuple[Hashable, ...] | None:
        """(rule number, key) of every shared key of the object; None: it meets every object."""
        out: list[Hashable] = []
        for number, registered in enumerate(self.rules):
            assert registered.shared is not None
            keys = registered.shared(kind, obj)
            if keys is None:
                return None
            out.extend((number, key) for key in keys)
        return tuple(out)

    def _index(self, key: Key, obj: Any) -> None:
        out = tuple(dict.fromkeys(links(key[0], obj)))
        self._links[key] = out
        for target in out:
            self._users.setdefault(target, set()).add(key)
        shared = self.shared_keys(key[0], obj)
        self._keys[key] = shared
        if shared is None:
            self._everywhere.add(key)
        else:
            for value in shared:
                self._holders.setdefault(value, set()).add(key)

    def _unindex(self, key: Key) -> None:
        for target in self._links.pop(key, ()):
            users = self._users.get(target)
            if users is not None:
                users.discard(key)
                if not users:
                    del self._users[target]
        shared = self._keys.pop(key, ())
        self._everywhere.discard(key)
        for value in shared or ():
            holders = self._holders.get(value)
            if holders is not None:
                holders.discard(key)
                if not holders:
                    del self._holders[value]

    def around(self, kind: str, ident: str, obj: Any | None) -> set[Key] | None:
        """Every other object the object ``(kind, ident)`` would meet as ``obj`` (None: an object
        that failed the schema, seen by no rule but the ones on itself); None: every object."""
        target = (kind, ident)
        met: set[Key] = set(self._users.get(target, ()))
        met |= self._everywhere
        if obj is not None:
            shared = self.shared_keys(kind, obj)
            if shared is None:
                return None
            for value in shared:
                met |= self._holders.get(value, set())
            stack = list(links(kind, obj))
            seen: set[Key] = set()
            while stack:
                key = stack.pop()
                if key in seen or key == target:
                    continue
                seen.add(key)
                stack.extend(self._links.get(key, ()))
            met |= seen
        met.discard(target)
        return met

    def context(self, kind: str, ident: str, located: Located[Any] | None) -> CheckContext:
        """The changed object (last, so that a conflict is reported on it) and what it meets;
        ``all_ids`` is the catalog's (with the changed object's id while the rules run)."""
        met = self.around(kind, ident, None if located is None else located.obj)
        out = CheckContext(all_ids=self.ctx.all_ids, renamed=self.ctx.renamed,
                           unread_ids=self.ctx.unread_ids)
        for other_kind in KINDS:
            table: dict[str, Located[Any]] = getattr(self.ctx, other_kind)
            chosen: dict[str, Located[Any]] = getattr(out, other_kind)
            if met is None:
                chosen.update((i, o) for i, o in table.items()
                              if (other_kind, i) != (kind, ident))
            else:
                for key_kind, key_ident in met:
                    if key_kind == other_kind and key_ident in table:
                        chosen[key_ident] = table[key_ident]
        if located is not None:
            getattr(out, kind)[ident] = located
        return out

    def replace(self, kind: str, ident: str, located: Located[Any] | None) -> None:
        """The catalog after a change that passed: ``(kind, ident)`` is now ``located`` (None:
        deleted)."""
        key = (kind, ident)
        self._unindex(key)
        table: dict[str, Located[Any]] = getattr(self.ctx, kind)
        if located is None:
            table.pop(ident, None)
            self.ctx.all_ids[kind].discard(ident)
            return
        table[ident] = located
        self.ctx.all_ids[kind].add(ident)
        self._index(key, located.obj)
