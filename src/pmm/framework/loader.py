"""Read and check a framework file (see docs/framework-format.md). Pure: no database.

`framework_parse(text)` returns a `CheckedFramework` or raises `FrameworkFileError` listing every
problem with its path in the file (and its line where known). Nothing is loaded from a bad file.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pycountry
import yaml

from pmm.core.errors import ApplicationError, FieldProblem
from pmm.framework import formula as fx
from pmm.framework.kinds import (
    DERIVABLE_TYPES,
    DIRECTIONS,
    DISCLOSURE_LEVELS,
    ELEMENT_TYPES,
    FORMAT,
    FRAMEWORK_STATUSES,
    KPI_KINDS,
    PERIODS,
    PROVENANCE_STATUSES,
    ROLL_UP_METHODS,
    SEVERITIES,
    VALUE_LIMITS,
)

CODE_PATTERNS = {
    "framework": (r"[a-z][a-z0-9-]{1,59}", "lower-case letters, digits and '-'"),
    "tree": (r"[A-Z][A-Za-z0-9.]{0,29}", "a capital letter then letters, digits and '.'"),
    "element": (r"[A-Z][A-Z0-9_]{0,59}", "capital letters, digits and '_'"),
    "unit": (r"[a-z][a-z0-9_]{0,39}", "lower-case letters, digits and '_'"),
    "instrument": (r"[A-Z0-9][A-Z0-9.\-]{0,39}", "capital letters, digits, '-' and '.'"),
    "sdg": (r"\d{1,2}\.[0-9a-z]{1,2}", "a UN SDG target number such as 17.11"),
    "rule": (r"[A-Z][A-Z0-9_]{0,79}", "capital letters, digits and '_'"),
    "option": (r"[a-z0-9][a-z0-9_]{0,39}", "lower-case letters, digits and '_'"),
    "band": (r"[A-Za-z0-9][A-Za-z0-9_+\-]{0,19}", "letters, digits, '_', '+' and '-' (up to 20)"),
}


# libyaml's loader when PyYAML was built with it (parses once, keeping line numbers), else the Python one.
_YamlLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class FrameworkFileError(ApplicationError):
    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__(
            message="The framework file has problems; nothing was loaded.",
            code="invalid_framework",
            problems=problems,
        )


@dataclass
class CheckedFramework:
    """A framework file that passed every check, as a plain document plus its parsed formulas."""

    document: dict[str, Any]
    formulas: dict[str, dict[str, fx.Expr]] = field(default_factory=dict)  # KPI code -> component -> expr
    derived: dict[str, fx.Expr] = field(default_factory=dict)  # element code -> expr
    rules: dict[str, fx.Expr] = field(default_factory=dict)  # rule code -> expr

    @property
    def code(self) -> str:
        return str(self.document["framework"]["code"])

    @property
    def version(self) -> str:
        return str(self.document["framework"]["version"])

    @property
    def fingerprint(self) -> str:
        return document_fingerprint(self.document)

    def kpis(self) -> Iterable[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
        for dimension in self.document["dimensions"]:
            for outcome in dimension["outcomes"]:
                for kpi in outcome["kpis"]:
                    yield dimension, outcome, kpi


def document_fingerprint(document: dict[str, Any]) -> str:
    """SHA-256 of the content; the status is left out, since it changes without changing the content."""
    header = {k: v for k, v in document.get("framework", {}).items() if k != "status"}
    canonical = json.dumps(
        {**document, "framework": header}, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


YAML_CONTENT_TYPE = "application/yaml; charset=utf-8"


def document_to_yaml(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


# --------------------------------------------------------------------------------------------
# YAML with line numbers and duplicate-key detection


def _line_map(node: yaml.Node, path: str, lines: dict[str, int], problems: list[FieldProblem]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = f"{path}.{key}" if path else key
            if key in seen:
                problems.append(
                    FieldProblem(
                        child, f"the key '{key}' appears twice (line {key_node.start_mark.line + 1})"
                    )
                )
            seen.add(key)
            _line_map(value_node, child, lines, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _line_map(item, f"{path}[{index}]", lines, problems)


class _Checker:
    """Collects problems while walking the document; paths are like `dimensions[0].outcomes[1].code`."""

    def __init__(self, lines: dict[str, int]) -> None:
        self.lines = lines
        self.problems: list[FieldProblem] = []
        self.languages: list[str] = ["en"]

    def add(self, path: str, message: str) -> None:
        line = self.lines.get(path)
        if line is None:  # a missing key: point at its parent
            parent = path.rsplit(".", 1)[0] if "." in path else ""
            line = self.lines.get(parent)
        where = f"{path} (line {line})" if line else path
        self.problems.append(FieldProblem(where, message))

    def mapping(self, value: Any, path: str, required: set[str], optional: set[str]) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.add(path, f"must be a mapping of keys to values, not {_kind(value)}")
            return None
        for key in sorted(required - value.keys()):
            self.add(f"{path}.{key}" if path else key, "is required")
        for key in sorted(set(value) - required - optional, key=str):
            allowed = ", ".join(sorted(required | optional))
            self.add(f"{path}.{key}" if path else str(key), f"unknown key '{key}' (allowed: {allowed})")
        return value

    def sequence(self, value: Any, path: str, allow_empty: bool = True) -> list[Any]:
        if value is None and allow_empty:
            return []
        if not isinstance(value, list):
            self.add(path, f"must be a list, not {_kind(value)}")
            return []
        if not value and not allow_empty:
            self.add(path, "must not be empty")
        return value

    def text(self, value: Any, path: str) -> None:
        """A translated text: {language: text} with every framework language present."""
        if not isinstance(value, dict):
            self.add(
                path, f"must be a mapping of language to text such as {{en: …, fr: …}}, not {_kind(value)}"
            )
            return
        for lang in self.languages:
            if not isinstance(value.get(lang), str) or not value[lang].strip():
                self.add(f"{path}.{lang}", f"the {lang!r} translation is missing or empty")
        for lang, text in value.items():
            if not isinstance(lang, str) or not re.fullmatch(r"[a-z]{2}(-[A-Za-z]{2,4})?", lang):
                self.add(path, f"'{lang}' is not a language code")
            elif not isinstance(text, str):
                self.add(f"{path}.{lang}", f"must be text, not {_kind(text)}")

    def choice(self, value: Any, path: str, allowed: Iterable[str]) -> bool:
        allowed = list(allowed)
        if value not in allowed:
            self.add(path, f"'{value}' is not one of: {', '.join(allowed)}")
            return False
        return True

    def code(self, value: Any, path: str, kind: str, seen: dict[str, str]) -> str | None:
        pattern, description = CODE_PATTERNS[kind]
        if isinstance(value, int | float) and not isinstance(value, bool):
            self.add(path, f'write the code {value} in quotes, e.g. "{value}", so it stays text')
            return None
        if not isinstance(value, str) or not re.fullmatch(pattern, value):
            self.add(path, f"'{value}' is not a valid code: use {description}")
            return None
        if value in seen:
            self.add(path, f"duplicate code '{value}' (already used at {seen[value]})")
            return None
        seen[value] = path
        return value

    def number_range(self, value: Any, path: str) -> tuple[float | None, float | None]:
        mapping = self.mapping(value, path, set(), {"min", "max"})
        if mapping is None:
            return None, None
        bounds: list[float | None] = []
        for key in ("min", "max"):
            bound = mapping.get(key)
            if bound is not None and not _is_number(bound):
                self.add(f"{path}.{key}", f"must be a finite number, not {_kind(bound)}")
                bound = None
            bounds.append(bound)
        low, high = bounds
        if low is not None and high is not None and low > high:
            self.add(path, f"min ({low}) is above max ({high})")
        return low, high

    def provenance(self, value: Any, path: str) -> None:
        mapping = self.mapping(value, path, {"status", "source"}, {"note"})
        if mapping is None:
            return
        if "status" in mapping:
            self.choice(mapping["status"], f"{path}.status", PROVENANCE_STATUSES)
        if "source" in mapping and (not isinstance(mapping["source"], str) or not mapping["source"].strip()):
            self.add(f"{path}.source", "must name the source (a URL or a citation)")
        if "note" in mapping:
            self.text(mapping["note"], f"{path}.note")

    def references(self, codes: Any, path: str, declared: dict[str, str], what: str) -> None:
        for index, code in enumerate(self.sequence(codes, path)):
            if not isinstance(code, str):
                self.add(f"{path}[{index}]", f"write the code {code} in quotes so it stays text")
            elif code not in declared:
                self.add(f"{path}[{index}]", f"unknown {what} '{code}' (declare it in the {what}s list)")


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {
        dict: "a mapping",
        list: "a list",
        str: "text",
        bool: "true/false",
        int: "a number",
        float: "a number",
    }.get(type(value), type(value).__name__)


# --------------------------------------------------------------------------------------------


def framework_parse(text: str) -> CheckedFramework:
    """Check a framework file's text; raise FrameworkFileError with every problem found."""
    try:
        loader = _YamlLoader(text)
        try:
            root = loader.get_single_node()
            document = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "file"
        raise FrameworkFileError(
            [FieldProblem(where, f"not valid YAML: {getattr(error, 'problem', error)}")]
        ) from error
    lines: dict[str, int] = {}
    duplicate_keys: list[FieldProblem] = []
    if root is not None:
        _line_map(root, "", lines, duplicate_keys)
    check = _Checker(lines)
    check.problems += duplicate_keys
    checked = _check_document(document, check)
    if check.problems or checked is None:
        raise FrameworkFileError(check.problems or [FieldProblem("file", "the file is empty")])
    return checked


def _check_document(document: Any, check: _Checker) -> CheckedFramework | None:
    top = check.mapping(
        document,
        "",
        {"format", "framework", "units", "data_elements", "dimensions"},
        {"instruments", "sdg_targets", "consistency_rules", "scoring"},
    )
    if top is None:
        return None
    if "format" in top and top["format"] != FORMAT:
        check.add("format", f"must be '{FORMAT}', not '{top['format']}'")
    _check_framework_header(top.get("framework"), check)
    units = _check_catalogue(top.get("units"), "units", "unit", check, extra={"symbol"})
    instruments = _check_catalogue(top.get("instruments"), "instruments", "instrument", check)
    sdgs = _check_catalogue(top.get("sdg_targets"), "sdg_targets", "sdg", check)
    checked = CheckedFramework(document=document)
    elements = _check_elements(top.get("data_elements"), check, checked)
    _check_rules(top.get("consistency_rules"), check, checked, elements)
    _check_tree(top.get("dimensions"), check, checked, elements, units, instruments, sdgs)
    if "scoring" in top:
        _check_scoring(top["scoring"], check, _declared_kpis(top.get("dimensions")))
    return checked


def _check_framework_header(value: Any, check: _Checker) -> None:
    header = check.mapping(
        value, "framework", {"code", "version", "status", "title", "languages", "provenance"}, {"description"}
    )
    if header is None:
        return
    languages = header.get("languages")
    if isinstance(languages, list) and languages and all(isinstance(x, str) for x in languages):
        check.languages = list(dict.fromkeys(languages))
        if "en" not in languages:
            check.add("framework.languages", "must include 'en'")
    else:
        check.add("framework.languages", "must be a list of language codes such as [en, fr]")
    check.code(header.get("code"), "framework.code", "framework", {})
    version = header.get("version")
    if not isinstance(version, str | int | float) or not str(version).strip() or len(str(version)) > 40:
        check.add("framework.version", "must be a version label of up to 40 characters")
    if "status" in header:
        check.choice(header["status"], "framework.status", FRAMEWORK_STATUSES)
    check.text(header.get("title"), "framework.title")
    if "description" in header:
        check.text(header["description"], "framework.description")
    if "provenance" in header:
        check.provenance(header["provenance"], "framework.provenance")


def _check_catalogue(
    value: Any, path: str, kind: str, check: _Checker, extra: set[str] | None = None
) -> dict[str, str]:
    seen: dict[str, str] = {}
    for index, item in enumerate(check.sequence(value, path)):
        where = f"{path}[{index}]"
        entry = check.mapping(item, where, {"code", "name"}, extra or set())
        if entry is None:
            continue
        check.code(entry.get("code"), f"{where}.code", kind, seen)
        check.text(entry.get("name"), f"{where}.name")
        if "symbol" in entry and not isinstance(entry["symbol"], str):
            check.add(f"{where}.symbol", "must be text")
    return seen


def _check_elements(value: Any, check: _Checker, checked: CheckedFramework) -> dict[str, dict[str, Any]]:
    elements: dict[str, dict[str, Any]] = {}
    seen: dict[str, str] = {}
    for index, item in enumerate(check.sequence(value, "data_elements", allow_empty=False)):
        where = f"data_elements[{index}]"
        element = check.mapping(
            item,
            where,
            {"code", "name", "type"},
            {"description", "periods", "range", "required", "currency", "options", "formula", "provenance"},
        )
        if element is None:
            continue
        code = check.code(element.get("code"), f"{where}.code", "element", seen)
        check.text(element.get("name"), f"{where}.name")
        if "description" in element:
            check.text(element["description"], f"{where}.description")
        value_type = element.get("type")
        if "type" in element and not check.choice(value_type, f"{where}.type", ELEMENT_TYPES):
            value_type = None
        periods = element.get("periods", ["T"])
        if (
            not isinstance(periods, list)
            or not periods
            or not all(isinstance(p, str) and p in PERIODS for p in periods)
            or len(set(periods)) != len(periods)
        ):
            check.add(f"{where}.periods", "must be [T] or [T, T-1]")
            periods = ["T"]
        elif "T" not in periods:
            check.add(f"{where}.periods", "must include T")
            periods = ["T"]
        if "range" in element:
            _check_range_within_type(check, element["range"], value_type, f"{where}.range")
        if "required" in element and not isinstance(element["required"], bool):
            check.add(f"{where}.required", "must be true or false")
        if "provenance" in element:
            check.provenance(element["provenance"], f"{where}.provenance")
        _check_element_type_keys(element, value_type, where, check)
        if "formula" in element and code:
            if value_type is not None and value_type not in DERIVABLE_TYPES:
                check.add(f"{where}.formula", f"a {value_type} element cannot be derived by a formula")
            expr = _parse_formula(element["formula"], f"{where}.formula", check)
            if expr is not None and fx.is_condition(expr):
                check.add(f"{where}.formula", "must compute a value, not a true/false condition")
            elif expr is not None and "T-1" in periods and fx.reaches_previous_year(expr):
                check.add(
                    f"{where}.formula",
                    "an element derived for T and T-1 must be computed from year-T "
                    "values only (its T-1 value uses the same formula a year earlier)",
                )
            elif expr is not None:
                checked.derived[code] = expr
        if code:
            elements[code] = {**element, "periods": periods, "_path": where}
    for code, expr in checked.derived.items():
        _check_refs(expr, f"{elements[code]['_path']}.formula", elements, check)
    _check_derivation_cycles(checked.derived, elements, check)
    return elements


def _check_range_within_type(check: _Checker, value: Any, value_type: str | None, path: str) -> None:
    """A declared range must fit in what the element's type can hold (`VALUE_LIMITS`): a wider one
    would promise values that data entry refuses."""
    low, high = check.number_range(value, path)
    limit = VALUE_LIMITS.get(value_type or "")
    if limit is None:
        return
    for key, bound in (("min", low), ("max", high)):
        if bound is not None and abs(bound) > limit:
            check.add(f"{path}.{key}", f"is beyond what a {value_type} value can hold (at most {limit:,})")


def _check_element_type_keys(element: dict[str, Any], value_type: Any, where: str, check: _Checker) -> None:
    if value_type == "amount":
        currency = element.get("currency")
        if currency is None:
            check.add(f"{where}.currency", "is required for an amount: 'national' or an ISO 4217 code")
        elif currency != "national" and (
            not isinstance(currency, str)
            or not re.fullmatch(r"[A-Z]{3}", currency)
            or pycountry.currencies.get(alpha_3=currency) is None
        ):
            check.add(f"{where}.currency", f"'{currency}' is not 'national' nor an ISO 4217 currency code")
    elif "currency" in element:
        check.add(f"{where}.currency", "only amounts have a currency")
    if value_type == "choice":
        seen: dict[str, str] = {}
        options = check.sequence(element.get("options"), f"{where}.options", allow_empty=False)
        for index, item in enumerate(options):
            path = f"{where}.options[{index}]"
            option = check.mapping(item, path, {"code", "label", "score"}, set())
            if option is None:
                continue
            check.code(option.get("code"), f"{path}.code", "option", seen)
            check.text(option.get("label"), f"{path}.label")
            score = option.get("score")
            if not _is_number(score):
                check.add(f"{path}.score", "must be a finite number")
    elif "options" in element:
        check.add(f"{where}.options", "only choice elements have options")


def _parse_formula(text: Any, path: str, check: _Checker) -> fx.Expr | None:
    if not isinstance(text, str) or not text.strip():
        check.add(path, "must be a formula (text)")
        return None
    try:
        return fx.parse(text)
    except fx.FormulaError as error:
        check.add(path, f"formula error: {error}")
        return None


def _check_refs(expr: fx.Expr, path: str, elements: dict[str, dict[str, Any]], check: _Checker) -> None:
    for ref in sorted(fx.references(expr), key=lambda r: (r.element, r.period)):
        element = elements.get(ref.element)
        if element is None:
            check.add(path, f"unknown data element '{ref.element}'")
        elif element.get("type") == "text":
            check.add(path, f"the text element '{ref.element}' cannot be used in a formula")
        elif ref.period not in element["periods"]:
            check.add(
                path,
                f"uses {ref.element} for {ref.period}, but that element is only collected for "
                f"{', '.join(element['periods'])}",
            )


def _check_derivation_cycles(
    derived: dict[str, fx.Expr], elements: dict[str, dict[str, Any]], check: _Checker
) -> None:
    graph = {
        code: {r.element for r in fx.references(expr) if r.element in derived}
        for code, expr in derived.items()
    }
    reported: set[frozenset[str]] = set()

    def visit(code: str, trail: list[str]) -> None:
        if code in trail:
            cycle = [*trail[trail.index(code) :], code]
            key = frozenset(cycle)
            if key not in reported:
                reported.add(key)
                check.add(
                    f"{elements[cycle[0]]['_path']}.formula", f"cycle in definitions: {' -> '.join(cycle)}"
                )
            return
        for dependency in sorted(graph.get(code, ())):
            visit(dependency, [*trail, code])

    for code in sorted(graph):
        visit(code, [])


def _check_rules(
    value: Any, check: _Checker, checked: CheckedFramework, elements: dict[str, dict[str, Any]]
) -> None:
    seen: dict[str, str] = {}
    for index, item in enumerate(check.sequence(value, "consistency_rules")):
        where = f"consistency_rules[{index}]"
        rule = check.mapping(item, where, {"code", "check", "severity", "message"}, set())
        if rule is None:
            continue
        code = check.code(rule.get("code"), f"{where}.code", "rule", seen)
        if "severity" in rule:
            check.choice(rule["severity"], f"{where}.severity", SEVERITIES)
        check.text(rule.get("message"), f"{where}.message")
        expr = _parse_formula(rule.get("check"), f"{where}.check", check)
        if expr is None:
            continue
        _check_refs(expr, f"{where}.check", elements, check)
        if not fx.is_condition(expr):
            check.add(f"{where}.check", "must be a comparison that is true or false, such as A <= B")
        elif code:
            checked.rules[code] = expr


_Tree = dict[str, str]


def _check_tree(
    value: Any,
    check: _Checker,
    checked: CheckedFramework,
    elements: dict[str, dict[str, Any]],
    units: _Tree,
    instruments: _Tree,
    sdgs: _Tree,
) -> None:
    seen: dict[str, str] = {}
    for d, item in enumerate(check.sequence(value, "dimensions", allow_empty=False)):
        where = f"dimensions[{d}]"
        dimension = check.mapping(item, where, {"code", "name", "outcomes"}, {"description", "provenance"})
        if dimension is None:
            continue
        _check_node(dimension, where, check, seen)
        for o, outcome_item in enumerate(
            check.sequence(dimension.get("outcomes"), f"{where}.outcomes", allow_empty=False)
        ):
            opath = f"{where}.outcomes[{o}]"
            outcome = check.mapping(
                outcome_item,
                opath,
                {"code", "name", "kpis"},
                {"description", "provenance", "instruments", "sdg_targets"},
            )
            if outcome is None:
                continue
            _check_node(outcome, opath, check, seen)
            check.references(outcome.get("instruments"), f"{opath}.instruments", instruments, "instrument")
            check.references(outcome.get("sdg_targets"), f"{opath}.sdg_targets", sdgs, "sdg_target")
            for k, kpi_item in enumerate(
                check.sequence(outcome.get("kpis"), f"{opath}.kpis", allow_empty=False)
            ):
                _check_kpi(
                    kpi_item, f"{opath}.kpis[{k}]", check, checked, elements, units, instruments, sdgs, seen
                )


def _check_node(node: dict[str, Any], where: str, check: _Checker, seen: dict[str, str]) -> str | None:
    code = check.code(node.get("code"), f"{where}.code", "tree", seen)
    check.text(node.get("name"), f"{where}.name")
    if "description" in node:
        check.text(node["description"], f"{where}.description")
    if "provenance" in node:
        check.provenance(node["provenance"], f"{where}.provenance")
    return code


def _check_kpi(
    item: Any,
    where: str,
    check: _Checker,
    checked: CheckedFramework,
    elements: dict[str, dict[str, Any]],
    units: _Tree,
    instruments: _Tree,
    sdgs: _Tree,
    seen: dict[str, str],
) -> None:
    kpi = check.mapping(
        item,
        where,
        {"code", "name", "kind", "unit", "direction", "formula", "disclosure_default"},
        {"description", "range", "instruments", "sdg_targets", "provenance"},
    )
    if kpi is None:
        return
    code = _check_node(kpi, where, check, seen)
    kind = KPI_KINDS.get(kpi["kind"]) if isinstance(kpi.get("kind"), str) else None
    if "kind" in kpi and kind is None:
        check.choice(kpi["kind"], f"{where}.kind", KPI_KINDS)
    if "unit" in kpi and (not isinstance(kpi["unit"], str) or kpi["unit"] not in units):
        check.add(f"{where}.unit", f"unknown unit '{kpi['unit']}' (declared units: {', '.join(units)})")
    elif kind and kind.unit and kpi.get("unit") != kind.unit:
        check.add(f"{where}.unit", f"a {kind.code} KPI must use the unit '{kind.unit}'")
    if "direction" in kpi:
        check.choice(kpi["direction"], f"{where}.direction", DIRECTIONS)
    if "disclosure_default" in kpi:
        check.choice(kpi["disclosure_default"], f"{where}.disclosure_default", DISCLOSURE_LEVELS)
    if "range" in kpi:
        check.number_range(kpi["range"], f"{where}.range")
    check.references(kpi.get("instruments"), f"{where}.instruments", instruments, "instrument")
    check.references(kpi.get("sdg_targets"), f"{where}.sdg_targets", sdgs, "sdg_target")
    if "formula" not in kpi:
        return
    components = _kpi_components(kpi["formula"], f"{where}.formula", kind, check)
    parsed: dict[str, fx.Expr] = {}
    for component, (text, path) in components.items():
        expr = _parse_formula(text, path, check)
        if expr is None:
            continue
        _check_refs(expr, path, elements, check)
        if fx.is_condition(expr):
            check.add(path, "must compute a value, not a true/false condition")
        parsed[component] = expr
    if kind and len(parsed) == len(components) and parsed:
        _check_kind_rules(kind.code, parsed, where, elements, check)
    if code and len(parsed) == len(components):
        checked.formulas[code] = parsed


def _kpi_components(value: Any, path: str, kind: Any, check: _Checker) -> dict[str, tuple[Any, str]]:
    if kind is not None and kind.split:
        if not isinstance(value, dict) or len(value) < 2:
            check.add(
                path,
                "a split_shares KPI needs a mapping of at least two components, "
                "such as {import: …, export: …}",
            )
            return {}
        components = {}
        for name, text in value.items():
            if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]{0,29}", name):
                check.add(path, f"'{name}' is not a valid component name (lower-case letters, digits, '_')")
            else:
                components[name] = (text, f"{path}.{name}")
        return components
    if isinstance(value, dict):
        check.add(path, "must be one formula (only split_shares KPIs have components)")
        return {}
    return {"value": (value, path)}


def _check_kind_rules(
    kind: str, parsed: dict[str, fx.Expr], where: str, elements: dict[str, dict[str, Any]], check: _Checker
) -> None:
    rules: dict[str, Callable[[], str | None]] = {
        "variation": lambda: (
            None
            if any(fx.reaches_previous_year(e) for e in parsed.values())
            else "a variation KPI must use a T-1 value, e.g. var(X) or X@T-1"
        ),
        "yes_no": lambda: _uses_type(parsed, elements, "yes_no", "a yes_no KPI must use a yes_no element"),
        "ordinal": lambda: _uses_type(parsed, elements, "choice", "an ordinal KPI must use a choice element"),
    }
    message = rules.get(kind, lambda: None)()
    if message:
        check.add(f"{where}.formula", message)


def _uses_type(
    parsed: dict[str, fx.Expr], elements: dict[str, dict[str, Any]], value_type: str, message: str
) -> str | None:
    used = {r.element for e in parsed.values() for r in fx.references(e)}
    return None if any(elements.get(code, {}).get("type") == value_type for code in used) else message


# --------------------------------------------------------------------------------------------
# the optional scoring section (docs/framework-format.md, "Scoring (optional)")


def _declared_kpis(dimensions: Any) -> dict[str, dict[str, Any]]:
    """KPI code -> KPI mapping, read defensively (the tree's own problems are reported elsewhere)."""
    found: dict[str, dict[str, Any]] = {}
    for dimension in dimensions if isinstance(dimensions, list) else []:
        outcomes = dimension.get("outcomes") if isinstance(dimension, dict) else None
        for outcome in outcomes if isinstance(outcomes, list) else []:
            kpis = outcome.get("kpis") if isinstance(outcome, dict) else None
            for kpi in kpis if isinstance(kpis, list) else []:
                if isinstance(kpi, dict) and isinstance(kpi.get("code"), str):
                    found.setdefault(kpi["code"], kpi)
    return found


def _check_scoring(value: Any, check: _Checker, kpis: dict[str, dict[str, Any]]) -> None:
    scoring = check.mapping(value, "scoring", {"scale", "roll_up", "kpis"}, set())
    if scoring is None:
        return
    bands = _check_scale(scoring["scale"], check) if "scale" in scoring else None
    if "roll_up" in scoring:
        check.choice(scoring["roll_up"], "scoring.roll_up", ROLL_UP_METHODS)
    if "kpis" not in scoring:
        return
    entries = scoring["kpis"]
    if not isinstance(entries, dict):
        check.add(
            "scoring.kpis",
            f"must be a mapping of KPI code to its bands, such as "
            f"{{D1.O1.K1: {{thresholds: [20, 50, 80]}}}}, not {_kind(entries)}",
        )
        return
    if not entries:
        check.add("scoring.kpis", "must score at least one KPI")
    for code, entry in entries.items():
        _check_kpi_scoring(code, entry, f"scoring.kpis.{code}", kpis, bands, check)


def _check_scale(value: Any, check: _Checker) -> list[str] | None:
    """The band codes from worst to best, or None when the scale has a problem."""
    path = "scoring.scale"
    items = check.sequence(value, path, allow_empty=False)
    if len(items) == 1:
        check.add(path, "needs at least two bands, from worst to best")
    seen: dict[str, str] = {}
    codes: list[str] = []
    complete = True
    previous: float | None = None
    for index, item in enumerate(items):
        where = f"{path}[{index}]"
        band = check.mapping(item, where, {"code", "label", "points"}, set())
        if band is None:
            complete = False
            continue
        code = check.code(band.get("code"), f"{where}.code", "band", seen)
        if code is None:
            complete = False
        else:
            codes.append(code)
        check.text(band.get("label"), f"{where}.label")
        if "points" not in band:
            complete = False
        elif not _is_number(band["points"]):
            check.add(f"{where}.points", f"must be a finite number, not {_kind(band['points'])}")
            complete = False
        else:
            points = float(band["points"])
            if previous is not None and points <= previous:
                check.add(
                    f"{where}.points",
                    f"must be above the points of the band before ({previous:g}): "
                    "the scale goes from worst to best",
                )
            previous = points
    return codes if complete and len(codes) >= 2 else None


def _check_kpi_scoring(
    code: Any,
    value: Any,
    path: str,
    kpis: dict[str, dict[str, Any]],
    bands: list[str] | None,
    check: _Checker,
) -> None:
    kpi = kpis.get(code) if isinstance(code, str) else None
    if kpi is None:
        check.add(path, f"unknown KPI '{code}' (only KPIs declared under dimensions can be scored)")
        return
    entry = check.mapping(value, path, set(), {"thresholds", "component", "yes_band", "no_band"})
    if entry is None:
        return
    direction = kpi.get("direction")
    if direction == "context_only":
        check.add(path, "a context_only KPI cannot be scored: no value of it is better than another")
        return
    if kpi.get("kind") == "yes_no":
        _check_yes_no_scoring(entry, path, direction, bands, check)
        return
    for key in ("yes_band", "no_band"):
        if key in entry:
            check.add(f"{path}.{key}", "only yes_no KPIs are scored with yes_band and no_band")
    _check_component(entry, path, kpi, check)
    if "thresholds" not in entry:
        check.add(f"{path}.thresholds", "is required: the cut points between the bands, such as [20, 50, 80]")
        return
    _check_thresholds(entry["thresholds"], f"{path}.thresholds", kpi, bands, check)


def _check_yes_no_scoring(
    entry: dict[str, Any], path: str, direction: Any, bands: list[str] | None, check: _Checker
) -> None:
    if "thresholds" in entry:
        check.add(f"{path}.thresholds", "a yes_no KPI is scored with yes_band and no_band, not thresholds")
    if "component" in entry:
        check.add(f"{path}.component", "only split_shares KPIs have components to choose from")
    ranks: dict[str, int] = {}
    for key in ("yes_band", "no_band"):
        if key not in entry:
            check.add(f"{path}.{key}", "is required for a yes_no KPI: a band code of the scale")
        elif bands is not None:
            band = entry[key]
            if isinstance(band, str) and band in bands:
                ranks[key] = bands.index(band)
            else:
                check.add(f"{path}.{key}", f"unknown band '{band}' (the scale's bands: {', '.join(bands)})")
    if len(ranks) == 2:
        if direction == "higher_is_better" and ranks["yes_band"] < ranks["no_band"]:
            check.add(f"{path}.yes_band", "for a higher_is_better KPI, yes must not score worse than no")
        elif direction == "lower_is_better" and ranks["yes_band"] > ranks["no_band"]:
            check.add(f"{path}.yes_band", "for a lower_is_better KPI, yes must not score better than no")


def _check_component(entry: dict[str, Any], path: str, kpi: dict[str, Any], check: _Checker) -> None:
    formula = kpi.get("formula")
    if kpi.get("kind") != "split_shares" or not isinstance(formula, dict):
        if "component" in entry:
            check.add(f"{path}.component", "only split_shares KPIs have components to choose from")
        return
    components = [str(name) for name in formula]
    if "component" not in entry:
        if "combined" not in components:
            check.add(
                f"{path}.component",
                f"is required: the KPI has no 'combined' component; name one of: {', '.join(components)}",
            )
    elif entry["component"] not in components:
        check.add(
            f"{path}.component",
            f"'{entry['component']}' is not a component of {kpi['code']} "
            f"(its components: {', '.join(components)})",
        )


def _check_thresholds(
    value: Any, path: str, kpi: dict[str, Any], bands: list[str] | None, check: _Checker
) -> None:
    if not isinstance(value, list) or not value:
        check.add(path, f"must be a list of numbers, such as [20, 50, 80], not {_kind(value)}")
        return
    numbers = True
    for index, threshold in enumerate(value):
        if not _is_number(threshold):
            check.add(f"{path}[{index}]", f"must be a finite number, not {_kind(threshold)}")
            numbers = False
    if bands is not None and len(value) != len(bands) - 1:
        check.add(
            path,
            f"needs {len(bands) - 1} cut points for a scale of {len(bands)} bands, not {len(value)}",
        )
    if not numbers:
        return
    for index in range(1, len(value)):
        if value[index] <= value[index - 1]:
            check.add(
                f"{path}[{index}]",
                f"thresholds must be strictly ascending: {value[index]} is not above {value[index - 1]}",
            )
    bounds = kpi.get("range")
    low, high = (bounds.get("min"), bounds.get("max")) if isinstance(bounds, dict) else (None, None)
    for index, threshold in enumerate(value):
        if (_is_number(low) and threshold < low) or (_is_number(high) and threshold > high):
            check.add(
                f"{path}[{index}]",
                f"{threshold} is outside the KPI's range "
                f"({low if _is_number(low) else '…'} to {high if _is_number(high) else '…'})",
            )
