"""Schema check: pydantic validation errors become located diagnostics with hints."""

from __future__ import annotations

import difflib
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from offerspec.check.context import CheckContext, Located
from offerspec.diagnostics import Diagnostic, docs_url
from offerspec.geo import country_codes
from offerspec.load.files import Document
from offerspec.load.yaml12 import Path
from offerspec.model import KINDS, MAX_AMOUNT, MAX_TRIAL_DAYS, MODEL_BY_KIND, SLUG_PATTERN
from offerspec.money import amount_hint, currency_codes, format_amount
from offerspec.spellings import country_hint, currency_hint, currency_spelling, date_problem


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str | None:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def _edits(a: str, b: str) -> int:
    """Levenshtein distance with adjacent swaps counted once (optimal string alignment)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]


def did_you_mean_id(ident: str, choices: list[str] | tuple[str, ...]) -> str | None:
    """A suggestion for an unknown id only when it is a typo of a known one.

    Ids of one catalog share words (``briefing-premium-monthly``, ``-yearly``): a look-alike
    that differs by more than a slip or two is another object, and suggesting it for an id
    that was removed would point the reader at the wrong plan.
    """
    allowed = max(1, min(3, len(ident) // 6))
    close = difflib.get_close_matches(ident, list(choices), n=5, cutoff=0.6)
    typos = [c for c in close if _edits(ident, c) <= allowed]
    return f"did you mean '{typos[0]}'?" if typos else None


_PATTERN_HINTS = {
    "id": f"ids are lowercase ASCII slugs matching {SLUG_PATTERN}, e.g. 'annual-digital'",
    "currency": "use an uppercase ISO 4217 code, e.g. USD or EUR",
    "countries": "use uppercase ISO 3166-1 alpha-2 codes, e.g. US, NO",
    "image": "use an http(s) URL",
    "name": "write a name people can see; blank text is no name",
    "nickname": "write a name people can see; blank text is no name",
}
_PATTERN_HINTS.update(dict.fromkeys(("product", "grants", "plans", "group_owner_plan"), _PATTERN_HINTS["id"]))


def _field_name(loc: tuple[str | int, ...]) -> str:
    for part in reversed(loc):
        if isinstance(part, str):
            return part
    return ""


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    return repr(value)


def _hintable(value: Any) -> bool:
    """A plain-sized finite number (or no number at all): safe to turn into a suggestion.

    ``.inf`` or ``1e999999`` must not be converted to an integer (an error, or minutes of work).
    """
    try:
        number = Decimal(value.strip() if isinstance(value, str) else repr(value))
    except (InvalidOperation, ValueError):
        return True
    return number.is_finite() and abs(number.adjusted()) <= 30


def _is_number(text: str) -> bool:
    try:
        Decimal(text.strip())
    except InvalidOperation:
        return False
    return True


def error_to_diagnostic(doc: Document, base: Path, error: Any, item: Any) -> Diagnostic:
    """One pydantic error, at the exact value (or key) it concerns."""
    loc: tuple[str | int, ...] = tuple(error["loc"])
    path = (*base, *loc)
    kind = error["type"]
    value = error.get("input")
    name = _field_name(loc)
    if loc and isinstance(loc[-1], int):
        name = f"entry of {name}"  # a list item: "invalid entry of countries 'us'"
    elif len(loc) >= 2 and loc[-2] == "metadata" and loc[-1] != "[key]":
        name = f"metadata value of '{str(loc[-1])[:40]}'"
    hint: str | None = None
    smap = doc.source_map
    line, col = smap.value(path)
    written = smap.text(path)
    shown = written if written is not None else _describe(value)
    if loc[-1:] == ("[key]",):
        # pydantic names a mapping key's problem after the key: locate the key, say "key".
        path = path[:-1]
        line, col = smap.key(path)
        name = f"key of {loc[-3]}" if len(loc) >= 3 else "key"
    if kind == "string_too_short" and loc[-1:] == ("[key]",):
        message = f"{name} must not be empty"
        hint = "name the entry, or remove it"
    elif kind == "extra_forbidden":
        line, col = smap.key(path)
        model = MODEL_BY_KIND.get(str(base[0])) if base else None
        fields = tuple(model.model_fields) if model else KINDS
        message = f"unknown field '{name}'"
        hint = did_you_mean(name, fields) or f"allowed fields: {', '.join(fields)}"
    elif kind == "missing":
        line, col = smap.value(path[:-1])
        message = f"missing required field '{name}'"
        hint = f"add `{name}:`"
    elif _field_name(loc) == "amount" and kind in ("int_type", "int_from_float", "int_parsing"):
        currency = item.get("currency") if isinstance(item, dict) else None
        if isinstance(currency, str):
            # 'usd' or 'UKP' is already reported at the currency: price it in the one meant.
            currency = currency_spelling(currency) or (
                currency.upper() if len(currency) == 3 and currency.isalpha() else currency)
        message = f"amount must be an integer number of minor units, got {shown}"
        hint = amount_hint(value if _hintable(value) else None,
                           currency if isinstance(currency, str) else None, written)
    elif kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        message = f"invalid {name} {shown}: expected {expected}"
        choices = [c.strip(" '") for c in expected.replace(" or ", ",").split(",")]
        hint = (did_you_mean(str(value), choices) if isinstance(value, str) else None) \
            or f"write one of: {', '.join(choices)}"
    elif kind == "string_pattern_mismatch":
        message = f"invalid {name} {shown}"
        hint = _PATTERN_HINTS.get(_field_name(loc)) or \
            f"write a value matching {error.get('ctx', {}).get('pattern', 'the format')}"
        if _field_name(loc) == "currency" and isinstance(value, str):
            hint = currency_hint(value, sorted(currency_codes())) or hint
        if name == "entry of countries" and isinstance(value, str):
            hint = country_hint(value, sorted(country_codes())) or hint
    elif kind == "string_too_short" and value == "":
        message = f"{name} must not be empty"
        hint = _PATTERN_HINTS.get(_field_name(loc)) or f"write a value, or remove `{name}:`"
    elif kind == "bool_type":
        message = f"{name} must be true or false, got {shown}"
        hint = "write true or false (yes/no/on/off are text in YAML 1.2)"
    elif kind in ("int_type", "int_parsing", "int_from_float"):
        message = f"{name} must be an integer, got {shown}"
        if isinstance(value, str) and value.lstrip("-").isdigit() and len(value) <= 30:
            hint = f"write it unquoted and without leading zeros: {int(value)}"
        elif isinstance(value, float) and _hintable(value) and value.is_integer():
            hint = f"write a whole number without a decimal point: {int(value)}"
        else:
            hint = "write a whole number, e.g. 1"
    elif kind == "string_type":
        message = f"{name or 'value'} must be text, got {shown}"
        hint = "quote it" if isinstance(value, (int, float, bool)) else \
            f"write `{name or 'value'}:` followed by text"
    elif kind in ("list_type", "dict_type", "model_type"):
        expected = {"list_type": "a list", "dict_type": "a mapping", "model_type": "a mapping"}[kind]
        message = f"{name or 'value'} must be {expected}, got {shown}"
        if kind == "list_type" and isinstance(value, (str, int)) and not isinstance(value, bool):
            hint = f"write a list, even of one entry: [{value}]"
        else:
            hint = {"list_type": "write a list: [a, b] or one `- entry` per line",
                    }.get(kind, "write a mapping: `key: value` lines, indented under it")
    elif kind in ("float_type", "float_parsing"):
        message = f"{name} must be a number, got {shown}"
        if isinstance(value, str) and _hintable(value) and _is_number(value):
            hint = f"write the number unquoted: {value.strip()}"
        else:
            hint = "write a number, e.g. 50 or 12.5"
    elif kind in ("date_type", "date_from_datetime_parsing", "date_parsing"):
        problem = date_problem(value) if isinstance(value, str) else None
        if problem:
            message = f"{name} {value} is not a day of the calendar: {problem}"
            hint = "write a day that exists, e.g. 2027-12-31"
        else:
            message = f"{name} must be a date, got {shown}"
            hint = "write it as YYYY-MM-DD, e.g. 2027-12-31"
    elif kind in _BOUNDS:
        bound = next(iter(error.get("ctx", {}).values()), "")
        message = f"{name or 'value'} must be {_BOUNDS[kind]} {bound}, got {shown}"
        hint = _range_hint(_field_name(loc), kind, bound, item)
    elif kind in ("string_too_long", "too_long"):
        limit = error.get("ctx", {}).get("max_length", "")
        unit = "characters" if kind == "string_too_long" else "entries"
        message = f"{name or 'value'} is too long: at most {limit} {unit}"
        hint = "shorten it" if kind == "string_too_long" else "list fewer entries"
    elif kind in ("too_short", "string_too_short"):
        limit = error.get("ctx", {}).get("min_length", "")
        unit = "characters" if kind == "string_too_short" else "entries"
        message = f"{name or 'value'} is too short: at least {limit} {unit}"
        hint = "write a longer value" if kind == "string_too_short" else "list more entries"
    else:
        # Rare pydantic errors (value errors of validators among them), in offerspec's words.
        text = str(error["msg"]).removeprefix("Value error, ")
        message = f"{name}: {text[:1].lower()}{text[1:]}" if name else text
        hint = f"see the `{name}` field in {docs_url('catalog.md')}" if name else \
            f"see {docs_url('catalog.md')}"
    return Diagnostic(doc.path, line, col, "schema" if kind != "extra_forbidden"
                      else "unknown-field", message, hint=hint)


_BOUNDS = {"greater_than_equal": "at least", "less_than_equal": "at most",
           "greater_than": "more than", "less_than": "less than"}

# Why a number has the range it has, by field: a bare "at least 1" does not say what to write.
_RANGE_HINTS = {
    "amount": ("a price is 0 (free) or more minor units", "the largest price is {max}"),
    "interval_count": ("interval_count counts intervals: `interval: month` with `interval_count: 3` "
                       "bills every 3 months; 1 is every interval", "write at most 1000 intervals"),
    "trial_period_days": ("write 0 (no trial) or a number of days",
                          f"a trial is at most {MAX_TRIAL_DAYS} days (two years)"),
    "agency_remit_rate": ("a percentage from 0 to 100", "a percentage from 0 to 100"),
    "member_seat_capacity": ("a membership has at least one seat", "write a smaller number of seats"),
    "shipments_per_interval": ("write 0 or more shipments", "write a smaller number of shipments"),
    "auto_uncollectible_days": ("write a number of days, 1 or more", "write at most 3650 days"),
    "invoice_upcoming_notification": ("write a number of days before renewal, 0 or more",
                                      "write at most 365 days"),
}


def _range_hint(field: str, kind: str, bound: Any, item: Any) -> str:
    low, high = _RANGE_HINTS.get(field, (f"write a number of at least {bound}",
                                         f"write a number of at most {bound}"))
    if "{max}" in high:
        currency = item.get("currency") if isinstance(item, dict) else None
        currency = currency if isinstance(currency, str) and currency in currency_codes() else "USD"
        high = high.format(max=f"{MAX_AMOUNT} minor units ({format_amount(MAX_AMOUNT, currency)})")
    return low if kind in ("greater_than_equal", "greater_than") else high


_UNION_BRANCHES = ("int", "float")


def _one_error_per_union(errors: list[Any]) -> list[Any]:
    """``int | float`` fields fail once per branch, at locs ending in the branch name.

    Report one problem at the field itself: the float branch's (it accepts integers too).
    """
    out: list[Any] = []
    by_loc: dict[tuple[Any, ...], int] = {}
    for error in errors:
        loc = tuple(error["loc"])
        if len(loc) < 2 or loc[-1] not in _UNION_BRANCHES:
            out.append(error)
            continue
        at_field = {**error, "loc": loc[:-1]}
        if loc[:-1] not in by_loc:
            by_loc[loc[:-1]] = len(out)
            out.append(at_field)
        elif loc[-1] == "float":
            out[by_loc[loc[:-1]]] = at_field
    return out


# Stand-ins for required fields that failed validation (salvage only).
_PLACEHOLDERS: dict[str, dict[str, Any]] = {
    "products": {"name": "-"},
    "plans": {"nickname": "-", "product": "0", "amount": 0, "currency": "USD"},
    "offers": {"name": "-", "plans": []},
}


def salvage(kind: str, item: Any, doc: Document, base: Path,
            errors: list[Any]) -> Located[Any] | None:
    """What is left of a broken object once its bad fields are dropped, for the local rules.

    Without this, one typo in a plan would hide every other problem of that plan.
    """
    if not isinstance(item, dict):
        return None
    model = MODEL_BY_KIND[kind]
    bad = {e["loc"][0] for e in errors if e["loc"]}
    kept = {k: v for k, v in item.items() if k not in bad and k in model.model_fields}
    standins = {k: v for k, v in _PLACEHOLDERS[kind].items() if k not in kept}
    try:
        obj = model.model_validate({**kept, **standins})
    except ValidationError:
        return None
    return Located(obj, doc, base, frozenset(standins), frozenset(str(b) for b in bad))


def _without_missing_explained_by_typos(errors: list[Any], fields: tuple[str, ...]) -> list[Any]:
    """``prodcut: x`` is one mistake: the unknown field says "did you mean 'product'?", so a
    second error "missing required field 'product'" would only repeat it."""
    guessed = set()
    for error in errors:
        if error["type"] == "extra_forbidden" and len(error["loc"]) == 1:
            close = difflib.get_close_matches(str(error["loc"][0]), list(fields), n=1, cutoff=0.6)
            guessed.update(close)
    return [e for e in errors
            if not (e["type"] == "missing" and len(e["loc"]) == 1 and e["loc"][0] in guessed)]


def _note_renames(ctx: CheckContext, kind: str, ident: str, item: dict[str, Any]) -> None:
    old_ids = item.get("renamed_from")
    if isinstance(old_ids, list):
        for old in old_ids:
            if isinstance(old, str):
                ctx.renamed[kind].setdefault(old, ident)


def check_documents(documents: list[Document]) -> tuple[
        CheckContext, CheckContext, list[Diagnostic]]:
    """Validate every object of every document.

    Returns the valid objects by id, the salvaged remains of invalid ones, and the problems.
    """
    ctx = CheckContext()
    salvaged = CheckContext(all_ids=ctx.all_ids, renamed=ctx.renamed)
    diagnostics: list[Diagnostic] = []
    first_seen: dict[tuple[str, str], tuple[str, int, int]] = {}
    for doc in documents:
        if all(key in KINDS and value is None for key, value in doc.data.items()):
            # `{}`, or `plans:` with every entry commented out: as empty as an empty file.
            line, col = doc.source_map.key((next(iter(doc.data)),)) if doc.data else (1, 1)
            diagnostics.append(Diagnostic(
                doc.path, line, col, "empty-file", "the file declares no products, plans or offers",
                hint="list entries under `products:`, `plans:` or `offers:`, or delete the file"))
            continue
        for key in doc.data:
            if key not in KINDS:
                line, col = doc.source_map.key((key,))
                diagnostics.append(Diagnostic(
                    doc.path, line, col, "unknown-field", f"unknown top-level key '{key}'",
                    hint=did_you_mean(str(key), KINDS) or "allowed: products, plans, offers"))
        for kind in KINDS:
            items = doc.data.get(kind)
            if items is None:
                continue
            if not isinstance(items, list):
                line, col = doc.source_map.value((kind,))
                diagnostics.append(Diagnostic(
                    doc.path, line, col, "schema", f"'{kind}' must be a list of mappings",
                    hint=f"write each entry as `- id: ...` under `{kind}:`"))
                continue
            model = MODEL_BY_KIND[kind]
            table: dict[str, Located[Any]] = getattr(ctx, kind)
            for index, item in enumerate(items):
                base: Path = (kind, index)
                ident = item.get("id") if isinstance(item, dict) else None
                rescued: Located[Any] | None = None
                try:
                    obj = model.model_validate(item)
                except ValidationError as exc:
                    errors = _without_missing_explained_by_typos(
                        _one_error_per_union(exc.errors(include_url=False)), tuple(model.model_fields))
                    diagnostics.extend(error_to_diagnostic(doc, base, e, item) for e in errors)
                    rescued = salvage(kind, item, doc, base, errors)
                    obj = None
                if not isinstance(ident, str):
                    continue
                ctx.all_ids[kind].add(ident)
                _note_renames(ctx, kind, ident, item)
                line, col = doc.source_map.value((*base, "id"))
                here = (doc.path, line, col)
                first = first_seen.get((kind, ident))
                if first is not None:
                    singular = kind[:-1]
                    diagnostics.append(Diagnostic(
                        doc.path, line, col, "duplicate-id",
                        f"duplicate {singular} id '{ident}' (also defined at "
                        f"{first[0]}:{first[1]}:{first[2]})",
                        hint=f"{singular} ids are unique across all files; rename one",
                        related=(first,)))
                    diagnostics.append(Diagnostic(
                        first[0], first[1], first[2], "duplicate-id",
                        f"duplicate {singular} id '{ident}' (also defined at "
                        f"{doc.path}:{line}:{col})",
                        hint=f"{singular} ids are unique across all files; rename one",
                        related=(here,)))
                    continue
                first_seen[(kind, ident)] = here
                if obj is not None:
                    table[ident] = Located(obj, doc, base)
                elif rescued is not None:
                    getattr(salvaged, kind)[ident] = rescued
    return ctx, salvaged, diagnostics
