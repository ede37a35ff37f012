"""Schema check: pydantic validation errors become located diagnostics with hints."""

from __future__ import annotations

import difflib
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from offerspec.check.context import CheckContext, Located
from offerspec.diagnostics import Diagnostic
from offerspec.geo import country_codes
from offerspec.load.files import Document
from offerspec.load.yaml12 import Path
from offerspec.model import KINDS, MODEL_BY_KIND, SLUG_PATTERN
from offerspec.money import amount_hint


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str | None:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


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
    hint: str | None = None
    smap = doc.source_map
    line, col = smap.value(path)
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
        if isinstance(currency, str) and len(currency) == 3 and currency.isalpha():
            currency = currency.upper()  # 'usd' is already reported at the currency
        message = f"amount must be an integer number of minor units, got {_describe(value)}"
        hint = amount_hint(value if _hintable(value) else None,
                           currency if isinstance(currency, str) else None)
    elif kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        message = f"invalid {name} {_describe(value)}: expected {expected}"
        choices = [c.strip(" '") for c in expected.replace(" or ", ",").split(",")]
        hint = did_you_mean(str(value), choices) if isinstance(value, str) else None
    elif kind == "string_pattern_mismatch":
        message = f"invalid {name} {_describe(value)}"
        hint = _PATTERN_HINTS.get(_field_name(loc))
        if _field_name(loc) == "currency" and isinstance(value, str) and len(value) == 3:
            hint = f"currency codes are uppercase: did you mean '{value.upper()}'?"
        if name == "entry of countries" and isinstance(value, str) and value.upper() in country_codes():
            hint = f"country codes are uppercase: did you mean '{value.upper()}'?"
    elif kind == "string_too_short" and value == "":
        message = f"{name} must not be empty"
        hint = _PATTERN_HINTS.get(_field_name(loc)) or f"write a value, or remove `{name}:`"
    elif kind == "bool_type":
        message = f"{name} must be true or false, got {_describe(value)}"
        hint = "write true or false (yes/no/on/off are text in YAML 1.2)"
    elif kind in ("int_type", "int_parsing", "int_from_float"):
        message = f"{name} must be an integer, got {_describe(value)}"
        if isinstance(value, str) and value.lstrip("-").isdigit() and len(value) <= 30:
            hint = f"write it unquoted and without leading zeros: {int(value)}"
    elif kind == "string_type":
        message = f"{name or 'value'} must be text, got {_describe(value)}"
        hint = "quote it" if isinstance(value, (int, float, bool)) else None
    elif kind in ("list_type", "dict_type", "model_type"):
        expected = {"list_type": "a list", "dict_type": "a mapping", "model_type": "a mapping"}[kind]
        message = f"{name or 'value'} must be {expected}, got {_describe(value)}"
        if kind == "list_type" and isinstance(value, (str, int)) and not isinstance(value, bool):
            hint = f"write a list, even of one entry: [{value}]"
    elif kind in ("float_type", "float_parsing"):
        message = f"{name} must be a number, got {_describe(value)}"
        if isinstance(value, str) and _hintable(value) and _is_number(value):
            hint = f"write the number unquoted: {value.strip()}"
    elif kind in ("date_type", "date_from_datetime_parsing", "date_parsing"):
        message = f"{name} must be a date, got {_describe(value)}"
        hint = "write it as YYYY-MM-DD, e.g. 2027-12-31"
    else:
        message = f"{name or 'value'}: {error['msg'].lower()}" if name else error["msg"]
    return Diagnostic(doc.path, line, col, "schema" if kind != "extra_forbidden"
                      else "unknown-field", message, hint=hint)


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
    return Located(obj, doc, base, frozenset(standins))


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


def check_documents(documents: list[Document]) -> tuple[
        CheckContext, CheckContext, list[Diagnostic]]:
    """Validate every object of every document.

    Returns the valid objects by id, the salvaged remains of invalid ones, and the problems.
    """
    ctx = CheckContext()
    salvaged = CheckContext(all_ids=ctx.all_ids)
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
