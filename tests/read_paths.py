"""Every read route of the platform, and the URLs that sweep it.

The routes come from the application itself, so that a route added tomorrow is known tomorrow:

- the pages: Django's URL resolver, walked recursively. The `api/v1/` include is the ninja API, which
  the next source describes; its few URLs that the OpenAPI document does not describe (the document
  itself, its viewer, the API's root) are accounted for like pages;
- the API: every GET operation of the OpenAPI document of `pmm.config.api.api`. Other methods write.

`ROUTES` says, for each route, where its path parameters come from (`World` axes) and which query
strings to add; `SKIPPED` names the few routes that are not swept, each with its reason.
`unaccounted()` lists every route that is neither, every entry of either that names a route that no
longer exists, and every path parameter no axis fills: `test_every_route_is_swept_or_skipped_with_a_reason`
(tests/test_disclosure_sweep.py) fails on any of them, so a new route is swept (or its exemption
written down) the day it is added.

Pages that only answer POST are swept too, with one URL each: their GET must answer without showing
anything (405, a redirect or 404), and a GET added to them later is swept at once.

`urls(world)` gives the concrete URLs to ask; `answer_text(response)` an answer as searchable text
(HTML and JSON as they are, CSV, every cell of every sheet of an XLSX file, PDF text); charts are
searched through their data download (`chart_links`: the `?chart=<id>&format=csv` links of a page),
not through their SVG or PNG images, which draw the same rows.
"""

from __future__ import annotations

import functools
import html
import io
import json
import re
import string
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

# --- the routes ----------------------------------------------------------------------------------

API_PREFIX = "api/v1/"
_CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
_BRACED = re.compile(r"{(?P<name>[^}]+)}")


@dataclass(frozen=True)
class Route:
    key: str  # "results:publications" (a page, by its name) or "GET /api/v1/cycles/{cycle}" (the API)
    template: str  # the path with its parameters in braces: "/cycles/{cycle_id}/publications/"
    params: tuple[str, ...]
    api: bool  # asked with a bearer token (the pages with the signed-in session)


def _walk(patterns: Any, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, Any]]:
    from django.urls import URLPattern, URLResolver

    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else ""
            yield prefix + str(pattern.pattern), name, pattern


def _template(pattern: str) -> str:
    return "/" + _CONVERTER.sub(lambda m: "{" + m["name"] + "}", pattern)


def page_routes() -> dict[str, Route]:
    """Every URL pattern outside the API's operations, by name ("namespace:name"; the pattern when it
    has none). A regular-expression pattern cannot be filled in: it must be skipped with a reason."""
    from django.urls import get_resolver
    from django.urls.resolvers import RegexPattern

    described = {path for path, _ops in openapi_paths().items()}
    found: dict[str, Route] = {}
    for pattern, name, url_pattern in _walk(get_resolver().url_patterns):
        template = _template(pattern)
        if pattern.startswith(API_PREFIX) and template in described:
            continue  # an operation of the OpenAPI document: see api_routes()
        if isinstance(url_pattern.pattern, RegexPattern):
            template = ""
        key = name or pattern
        if key in found:  # two patterns of one name: the second is known by its pattern too
            key = f"{key} {template}"
        found[key] = Route(key, template, tuple(m["name"] for m in _BRACED.finditer(template)), api=False)
    return found


@functools.cache
def openapi_paths() -> dict[str, dict[str, Any]]:
    """The OpenAPI document's paths (made once per run: generating the document takes seconds)."""
    from pmm.config.api import api

    root = "/" + API_PREFIX.rstrip("/")
    return {root + path.removeprefix(root): ops for path, ops in api.get_openapi_schema()["paths"].items()}


def api_routes() -> dict[str, Route]:
    """Every GET operation of the OpenAPI document: "GET /api/v1/cycles/{cycle}/results"."""
    found = {}
    for path, operations in openapi_paths().items():
        if "get" in operations:
            key = f"GET {path}"
            params = tuple(p["name"] for p in operations["get"].get("parameters", []) if p["in"] == "path")
            found[key] = Route(key, path, params, api=True)
    return found


@functools.cache
def all_routes() -> dict[str, Route]:
    """Every route, pages and API (found once per run)."""
    return {**page_routes(), **api_routes()}


# --- the world the URLs are filled from ----------------------------------------------------------


@dataclass
class World:
    """What the path parameters and query strings range over (`values(axis, chosen)`; the axes are
    listed in AXES). Lists may be empty: a route whose parameter has no value is still asked, with a
    value that names nothing (an answer of 404)."""

    cycles: list[int]  # the current cycle first
    members: dict[int, list[str]]  # per cycle: the members whose pages are asked
    publications: dict[int, list[int]] = field(default_factory=dict)  # per cycle: publication numbers
    queries: dict[tuple[int, str], list[int]] = field(default_factory=dict)  # (cycle, member): numbers
    evidence: dict[tuple[int, str], list[int]] = field(default_factory=dict)  # (cycle, member): ids
    kpis: list[str] = field(default_factory=list)  # KPI codes whose values are watched
    stats_kpi: str = "D1.O1.K1"  # a KPI whose group statistics are released
    elements: list[str] = field(default_factory=list)  # data elements whose values are watched
    dimensions: list[str] = field(default_factory=list)  # default: those of the KPIs
    frameworks: list[str] = field(default_factory=lambda: ["pmm-v1"])
    groups: list[str] = field(default_factory=list)  # group codes
    usernames: list[str] = field(default_factory=list)
    notifications: list[int] = field(default_factory=list)
    tokens: list[int] = field(default_factory=list)  # API token ids
    invitations: list[int] = field(default_factory=list)
    targets: list[tuple[str, int]] = field(default_factory=list)  # (KPI, year) of members' targets
    sdg_targets: list[str] = field(default_factory=list)
    peers: list[str] = field(default_factory=list)  # ISO3 codes for a dashboard's own peer group

    def values(self, axis: str, chosen: Mapping[str, str]) -> list[str]:
        """The values of `axis`, given the axes already chosen for the same URL (a publication number
        depends on the cycle, an evidence id on the cycle and the member...)."""
        cycle = int(chosen["cycle"]) if "cycle" in chosen else None
        member = chosen.get("member", "")
        found: list[Any]
        if axis == "cycle":
            found = self.cycles
        elif axis == "current_cycle":  # the cycle most is known of; stored as the cycle chosen
            found = self.cycles[:1]
        elif axis == "member":
            found = self.members.get(cycle, []) if cycle is not None else _unique(self.members.values())
        elif axis == "focus_member":  # the member most is known of
            found = (self.members.get(cycle, []) if cycle is not None else _unique(self.members.values()))[:1]
        elif axis == "publication":  # in a query string: the latest is what asking for none gives
            found = self.publications.get(cycle, [])[:-1] if cycle is not None else []
        elif axis == "publication_number":
            found = self.publications.get(cycle, []) if cycle is not None else []
        elif axis == "query":
            found = self.queries.get((cycle, member), []) if cycle is not None else []
        elif axis == "evidence":
            own = self.evidence.get((cycle, member), []) if cycle is not None else []
            others = [i for key, ids in self.evidence.items() if key != (cycle, member) for i in ids]
            found = own + others[:1]  # another assessment's file, asked through this one's URL
        elif axis == "focus_kpi":
            found = self.kpis[:1]
        elif axis == "kpi":
            dimension = chosen.get("dimension")
            found = [k for k in self.kpis if dimension is None or k.split(".")[0] == dimension]
        elif axis == "dimension":
            found = self.dimensions or _unique([[k.split(".")[0] for k in self.kpis]])
        elif axis == "element":
            found = self.elements
        elif axis == "target":
            found = [f"{kpi}&year={year}" for kpi, year in self.targets]
        elif axis == "peers":
            found = [",".join(self.peers)] if self.peers else []
        else:
            found = {
                "stats_kpi": [self.stats_kpi],
                "framework": self.frameworks,
                "group": self.groups,
                "username": self.usernames,
                "notification": self.notifications,
                "token": self.tokens,
                "invitation": self.invitations,
                "sdg_target": self.sdg_targets,
                "target_year": [year for _kpi, year in self.targets],
            }[axis]
        return [str(v) for v in found]


AXES = {
    "cycle", "current_cycle", "member", "focus_member", "publication", "publication_number", "query",
    "evidence", "focus_kpi", "kpi", "dimension", "element", "target", "peers", "stats_kpi", "framework",
    "group", "username", "notification", "token", "invitation", "sdg_target", "target_year",
}  # fmt: skip

# A value that names nothing, for a path parameter whose axis has no value in the world (the route is
# still asked). A query string whose axis has no value is not asked.
NOTHING = {
    "publication": "0",
    "member": "ZZZ",
    "kpi": "D1.O1.K1",
    "dimension": "D1",
    "element": "DECL_TOTAL",
    "peers": "ZZZ",
}


def _unique(lists: Any) -> list[Any]:
    return list(dict.fromkeys(v for values in lists for v in values))


# Which axis fills a path parameter, by the parameter's name; a route may say otherwise (`Read.axes`).
# `number` and `code` mean different things on different routes: each route says which.
DEFAULT_AXES = {
    "cycle": "cycle",
    "cycle_id": "cycle",
    "iso3": "member",
    "username": "username",
    "evidence_id": "evidence",
    "notification_id": "notification",
    "token_id": "token",
    "invitation_id": "invitation",
    "kpi": "kpi",
    "dimension": "dimension",
    "element": "element",
    "year": "target_year",
}
# Fixed values for parameters that name an action rather than data.
FIXED = {"step": "answer", "action": "send_round", "uidb64": "MQ", "token": "not-a-valid-token"}


@dataclass(frozen=True)
class Read:
    """How one route is swept: the axes of its path parameters (when not the default for their name),
    the query strings asked (each `{axis}` in them ranges over the axis too: "?publication={publication}"
    asks every earlier publication of the cycle), and whether one URL is enough (`once`: a page that
    answers POST only, whose GET reads nothing whatever it is asked). With `first_only`, the query
    strings but the first are asked of the first filling of the path only (the current cycle, the
    first member): for pages that take a second or more to answer."""

    axes: Mapping[str, str] = field(default_factory=dict)
    queries: tuple[str, ...] = ("",)
    once: bool = False
    first_only: bool = False


POST_ONLY = Read(once=True)
PUBLICATIONS = ("", "?publication={publication}")

ROUTES: dict[str, Read] = {
    # --- the public site (no sign-in; always the public's view) ---
    "public:index": Read(),
    "public:member_list": Read(queries=PUBLICATIONS, first_only=True),
    "public:member_detail": Read(queries=PUBLICATIONS, first_only=True),
    "public:kpi_list": Read(queries=PUBLICATIONS, first_only=True),
    "public:kpi_detail": Read(axes={"code": "kpi"}, queries=PUBLICATIONS, first_only=True),
    # --- home, accounts and users ---
    "web:home": Read(),
    "health-live": Read(),  # health check: a fixed answer, no member data
    "GET /api/v1/jobs/failed": Read(),
    "accounts:login": Read(),
    "accounts:login_code": Read(),
    "accounts:password_set": Read(once=True),
    "accounts:invitation_accept": Read(),
    "accounts:account": Read(),
    "accounts:two_factor": Read(),
    "accounts:password_change": Read(),
    "accounts:token_revoke": POST_ONLY,
    "accounts:contributor_list": Read(),
    "accounts:user_list": Read(queries=("", "?member={member}")),
    "accounts:user_detail": Read(),
    "accounts:user_two_factor_reset": POST_ONLY,
    "GET /api/v1/me": Read(),
    "GET /api/v1/me/tokens": Read(),
    "GET /api/v1/users": Read(queries=("", "?member={member}")),
    # --- frameworks, members and groups ---
    "framework:framework_list": Read(),
    "framework:framework_upload": Read(),
    "framework:framework_detail": Read(axes={"code": "framework"}),
    "framework:framework_status": Read(axes={"code": "framework"}, once=True),
    "framework:element_list": Read(axes={"code": "framework"}),
    "framework:kpi_detail": Read(axes={"code": "framework"}),
    "GET /api/v1/frameworks": Read(),
    "GET /api/v1/frameworks/{code}": Read(axes={"code": "framework"}),
    "members:member_list": Read(),
    "members:member_detail": Read(),
    "members:group_list": Read(),
    "members:group_create": Read(),
    "members:group_detail": Read(axes={"code": "group"}),
    "members:group_edit": Read(axes={"code": "group"}),
    "GET /api/v1/members": Read(),
    "GET /api/v1/members/{iso3}": Read(),
    "GET /api/v1/groups": Read(),
    "GET /api/v1/groups/{code}": Read(axes={"code": "group"}),
    # --- the audit log (the Secretariat) ---
    "audit:audit_list": Read(),
    "GET /api/v1/audit": Read(),
    # --- cycles ---
    "cycles:cycle_list": Read(),
    "cycles:cycle_detail": Read(),
    "cycles:cycle_status": POST_ONLY,
    "cycles:extension_grant": Read(),
    "dashboards:status_board": Read(queries=("", "?member={focus_member}")),
    "dashboards:status_board_csv": Read(),
    "GET /api/v1/cycles": Read(),
    "GET /api/v1/cycles/{cycle}": Read(),
    "GET /api/v1/cycles/{cycle}/board": Read(),
    # --- self-assessments ---
    "assessments:due_list": Read(),
    "assessments:assessment_detail": Read(),
    "assessments:assessment_start": POST_ONLY,
    "assessments:assessment_submit": Read(),  # the confirmation page; its POST submits
    "assessments:assessment_reopen": POST_ONLY,
    "assessments:history_list": Read(),
    "assessments:workbook_download": Read(),
    "assessments:workbook_upload": POST_ONLY,
    "assessments:dimension_edit": Read(),
    "assessments:row_save": POST_ONLY,
    "assessments:kpi_save": POST_ONLY,
    "GET /api/v1/cycles/{cycle}/assessments/{iso3}": Read(),
    "GET /api/v1/cycles/{cycle}/assessments/{iso3}/history": Read(),
    "GET /api/v1/cycles/{cycle}/assessments/{iso3}/workbook.xlsx": Read(),
    # --- evidence ---
    "evidence:evidence_list": Read(),
    "evidence:evidence_download": Read(),
    "evidence:evidence_remove": Read(),
    "GET /api/v1/cycles/{cycle}/assessments/{iso3}/evidence": Read(),
    "GET /api/v1/cycles/{cycle}/assessments/{iso3}/evidence/{evidence_id}": Read(),
    # --- results and publications ---
    "results:results": Read(
        queries=(
            "",
            "?publication={publication}",
            "?publication=current&member={focus_member}",
            "?kpi={stats_kpi}&reviewed_only=1",
            "?page=2",  # the rows past the first page of 50
            "?publication=current&page=2",
        ),
        first_only=True,
    ),
    "results:publications": Read(),
    "results:publish": POST_ONLY,
    "results:preview": Read(),
    "GET /api/v1/cycles/{cycle}/results": Read(
        queries=(
            "",
            "?publication={publication}",
            "?publication=current",
            "?member={focus_member}",
            "?publication=current&offset=3&limit=5",
        ),
        first_only=True,
    ),
    "GET /api/v1/cycles/{cycle}/results.csv": Read(
        queries=("", "?publication={publication}", "?publication=current"), first_only=True
    ),
    "GET /api/v1/cycles/{cycle}/results.xlsx": Read(
        queries=("", "?publication={publication}", "?publication=current"), first_only=True
    ),
    "GET /api/v1/cycles/{cycle}/assessments/{iso3}/results": Read(),
    "GET /api/v1/cycles/{cycle}/aggregates": Read(
        axes={"cycle": "current_cycle"},
        queries=(
            "",
            "?publication={publication}&reviewed_only=true",
            "?kpi={focus_kpi}&group_type=custom",
        ),
        first_only=True,
    ),
    # --- reports (a member's country report: the print page, its PDF, the API's PDF; every edition) ---
    "reports:country_page": Read(
        queries=("", "?edition=public", "?edition=wco", "?publication={publication}"), first_only=True
    ),
    "reports:country_pdf": Read(queries=("", "?edition=wco&lang=fr"), first_only=True),
    # A PDF not made yet: the page that follows its job, and the job's status (JSON); each edition.
    "reports:country_preparing": Read(queries=("", "?edition=public&lang=fr"), first_only=True),
    "reports:country_status": Read(queries=("", "?edition=wco"), first_only=True),
    "GET /api/v1/cycles/{cycle}/members/{iso3}/report.pdf": Read(
        queries=("?edition=public", ""), first_only=True
    ),
    # --- the global cycle report (the print page, its PDF and workbook, the API's; every edition) ---
    "reports:global_page": Read(
        queries=("", "?edition=public", "?edition=wco", "?publication={publication}"), first_only=True
    ),
    # The PDFs of the current cycle only (a PDF takes seconds; the print pages and workbooks of the
    # other cycles hold the same report): the reader's widest edition, and the public one in French.
    "reports:global_pdf": Read(axes={"cycle_id": "current_cycle"}),
    "reports:global_xlsx": Read(queries=("", "?edition=wco&publication={publication}"), first_only=True),
    "reports:global_preparing": Read(axes={"cycle_id": "current_cycle"}, queries=("", "?edition=public")),
    "reports:global_status": Read(axes={"cycle_id": "current_cycle"}, queries=("", "?edition=wco")),
    "GET /api/v1/cycles/{cycle}/report.pdf": Read(
        axes={"cycle": "current_cycle"}, queries=("?edition=public&lang=fr",)
    ),
    "GET /api/v1/cycles/{cycle}/report.xlsx": Read(queries=("", "?edition=public"), first_only=True),
    "GET /api/v1/publications": Read(queries=("", "?cycle={cycle}")),
    "GET /api/v1/cycles/{cycle}/publications/{number}": Read(axes={"number": "publication_number"}),
    # --- peer review ---
    "reviews:review_list": Read(queries=("", "?status=in_review")),
    "reviews:reviewer_list": Read(),
    "reviews:reviewer_edit": Read(),
    "reviews:review_detail": Read(),
    "reviews:review_request": POST_ONLY,
    "reviews:review_decide": POST_ONLY,
    "reviews:review_start": POST_ONLY,
    "reviews:review_withdraw": POST_ONLY,
    "reviews:review_assign": POST_ONLY,
    "reviews:review_unassign": POST_ONLY,
    "reviews:query_raise": POST_ONLY,
    "reviews:query_correct": Read(axes={"number": "query"}, once=True),
    "reviews:query_evidence": Read(axes={"number": "query"}, once=True),
    "reviews:query_step": Read(axes={"number": "query"}, once=True),
    "reviews:verdicts": POST_ONLY,
    "reviews:review_step": POST_ONLY,
    "reviews:review_matrix": Read(),
    "reviews:review_matrix_xlsx": Read(),
    "GET /api/v1/cycles/{cycle}/assessments/{iso3}/review": Read(),
    "GET /api/v1/reviews": Read(),
    "GET /api/v1/reviewers": Read(),
    "GET /api/v1/cycles/{cycle}/assessments/{iso3}/review/queries": Read(),
    "GET /api/v1/cycles/{cycle}/assessments/{iso3}/review/queries/{number}": Read(axes={"number": "query"}),
    "GET /api/v1/cycles/{cycle}/assessments/{iso3}/review/verdicts": Read(),
    "GET /api/v1/cycles/{cycle}/assessments/{iso3}/review/certificate": Read(),
    "GET /api/v1/cycles/{cycle}/assessments/{iso3}/review/matrix.xlsx": Read(),
    # --- notifications ---
    "notifications:notification_list": Read(queries=("", "?unread=1")),
    "notifications:read_all": POST_ONLY,
    "notifications:read": POST_ONLY,
    "notifications:preferences": Read(),
    "GET /api/v1/notifications": Read(queries=("", "?unread=true")),
    "GET /api/v1/notifications/preferences": Read(),
    # --- targets ---
    "targets:member_targets": Read(queries=("", "?cycle={cycle}", "?kpi={target}"), first_only=True),
    "targets:target_remove": POST_ONLY,
    "GET /api/v1/members/{iso3}/targets": Read(queries=("", "?cycle={cycle}"), first_only=True),
    # --- dashboards and analytics (charts: their data downloads are followed from the page) ---
    "dashboards:home": Read(),
    "dashboards:member": Read(
        axes={"cycle_id": "current_cycle"},
        queries=("", "?reviewed_only=1&peers={peers}&kpi={focus_kpi}"),
        first_only=True,
    ),
    "GET /api/v1/cycles/{cycle}/members/{iso3}/dashboard": Read(
        axes={"cycle": "current_cycle"}, queries=("", "?reviewed_only=true&peers={peers}"), first_only=True
    ),
    "analytics:instruments": Read(axes={"cycle_id": "current_cycle"}, queries=PUBLICATIONS, first_only=True),
    "analytics:sdgs": Read(
        queries=("", "?member={focus_member}", "?member={focus_member}&target={sdg_target}"), first_only=True
    ),
    "analytics:analytics": Read(
        axes={"cycle_id": "current_cycle"},
        queries=("", "?publication={publication}&dimension={dimension}"),
        first_only=True,
    ),
    "GET /api/v1/cycles/{cycle}/instruments": Read(
        axes={"cycle": "current_cycle"}, queries=PUBLICATIONS, first_only=True
    ),
    "GET /api/v1/cycles/{cycle}/sdgs": Read(
        queries=("", "?member={focus_member}", "?member={focus_member}&target={sdg_target}"), first_only=True
    ),
    "GET /api/v1/cycles/{cycle}/analytics": Read(
        axes={"cycle": "current_cycle"}, queries=PUBLICATIONS, first_only=True
    ),
    # --- the API's own pages ---
    "api:api-root": Read(),
}

FRAMEWORK_FILE = (
    "the framework's definition file: the framework alone, no member's data, the same for everyone"
)
SKIPPED: dict[str, str] = {
    "set_language": "POST only: switches the reader's language and redirects; it reads no data",
    "accounts:logout": "POST only: ends the session of the reader being swept; it reads no data",
    "api:openapi-json": "the OpenAPI document: generated from the code alone, the same for every reader",
    "api:openapi-view": "the viewer of the OpenAPI document: a static page that loads the document",
    "framework:framework_export": FRAMEWORK_FILE,
    "GET /api/v1/frameworks/{code}/export": FRAMEWORK_FILE,
    "health-ready": "the readiness probe: fixed check names, counts and ages, the same for every reader and "
    "never member data; it answers 503 while no job worker runs (as in the sweep's world), which the sweep "
    "counts as a failure. tests/test_health.py checks its answers.",
}


def unaccounted() -> list[str]:
    """What stops a sweep from covering every read route: routes with neither a URL builder nor a
    reason, builders and reasons for routes that no longer exist, parameters no axis fills."""
    routes = all_routes()
    problems = []
    for key, route in sorted(routes.items()):
        if key in ROUTES and key in SKIPPED:
            problems.append(f"{key}: both swept (ROUTES) and skipped (SKIPPED); choose one")
        elif key not in ROUTES and key not in SKIPPED:
            problems.append(
                f"{key} ({route.template or 'a regular expression'}): a route neither swept nor skipped; "
                "give it a URL builder in tests/read_paths.py ROUTES, or a reason in SKIPPED"
            )
        elif key in ROUTES:
            if not route.template:
                problems.append(
                    f"{key}: a regular-expression route cannot be filled in; skip it with a reason"
                )
            read = ROUTES[key]
            for param in route.params:
                if param not in read.axes and param not in DEFAULT_AXES and param not in FIXED:
                    problems.append(f"{key}: no World axis fills the path parameter {param!r}")
            named = set(read.axes.values()) | {
                n for q in read.queries for _text, n, _spec, _conv in string.Formatter().parse(q) if n
            }
            problems += [f"{key}: {axis!r} is not an axis of World.values" for axis in sorted(named - AXES)]
    for key in sorted(set(ROUTES) - set(routes)):
        problems.append(f"{key}: ROUTES sweeps a route that does not exist (any more)")
    for key in sorted(set(SKIPPED) - set(routes)):
        problems.append(f"{key}: SKIPPED names a route that does not exist (any more)")
    for key, reason in SKIPPED.items():
        if len(reason.split()) < 4:
            problems.append(f"{key}: SKIPPED needs a reason in words, not {reason!r}")
    return problems


# --- the URLs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweptUrl:
    route: str  # the route's key
    url: str
    api: bool


def _fills(world: World, names: list[tuple[str, str]], chosen: dict[str, str]) -> Iterator[dict[str, str]]:
    """Every way to fill `names` ((placeholder, axis) pairs, in order) from the world: a path parameter
    ("cycle_id") with a value naming nothing when its axis has none, a query string's ("?cycle") not."""
    if not names:
        yield {}
        return
    (name, axis), rest = names[0], names[1:]
    if axis in chosen:  # e.g. "?cycle={cycle}" on a route whose path already chose the cycle
        for more in _fills(world, rest, chosen):
            yield {name: chosen[axis], **more}
        return
    values = world.values(axis, chosen)
    if not values and not name.startswith("?"):
        values = [NOTHING.get(axis, "0")]
    key = "cycle" if axis == "current_cycle" else axis
    for value in values:
        for more in _fills(world, rest, {**chosen, key: value}):
            yield {name: value, **more}


def route_urls(world: World, route: Route, read: Read) -> list[SweptUrl]:
    found = []
    path_axes = [(p, read.axes.get(p) or DEFAULT_AXES.get(p, "")) for p in route.params]
    fixed = {p: FIXED[p] for p, axis in path_axes if not axis}
    path_axes = [(p, axis) for p, axis in path_axes if axis]
    first_path = next(_fills(world, path_axes, {}), None)
    for index, query in enumerate(read.queries):
        placeholders = [(n, n) for _text, n, _spec, _conv in string.Formatter().parse(query) if n]
        for filled in _fills(world, path_axes + [(f"?{n}", axis) for n, axis in placeholders], {}):
            if read.first_only and index and any(filled[p] != first_path[p] for p, _axis in path_axes):
                continue
            path = route.template.format(**fixed, **{p: v for p, v in filled.items() if p[0] != "?"})
            text = query.format(**{p[1:]: v for p, v in filled.items() if p[0] == "?"})
            found.append(SweptUrl(route.key, path + text, route.api))
            if read.once:
                return found
    return list(dict.fromkeys(found))


def urls(world: World) -> list[SweptUrl]:
    """The URLs of every swept route, filled from `world`."""
    routes = all_routes()
    return [u for key, read in ROUTES.items() if key in routes for u in route_urls(world, routes[key], read)]


# --- answers as text -----------------------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_CHART_LINK = re.compile(r"""href="([^"]*[?&](?:amp;)?chart=([^"&]*)[^"]*?format=csv[^"]*)\"""")
_KPI_SLUG = re.compile(r"d\d+o\d+k\d+")


def body_of(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def answer_text(response: Any) -> str:
    """An answer as text to search: its body (HTML, JSON, CSV and text as they are; XLSX as every cell
    of every sheet; PDF as its text when pypdf is installed, else its raw bytes, where text that is not
    compressed still shows), with the headers that can carry data (a file name, a redirect)."""
    body = body_of(response)
    kind = response.get("Content-Type", "").split(";")[0].strip()
    heads = [f"{h}: {response[h]}" for h in ("Content-Disposition", "Location") if response.has_header(h)]
    if kind == XLSX or (body[:2] == b"PK" and kind in {"application/octet-stream", ""}):
        text = xlsx_text(body)
    elif kind == "application/pdf":
        text = pdf_text(body)
    elif kind.startswith("image/") and kind != "image/svg+xml":
        text = ""  # a picture: charts are searched through their data download, files are not images here
    else:
        text = body.decode("utf-8", errors="replace")
    return "\n".join([*heads, text])


def xlsx_text(body: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(body), read_only=True)
    cells = []
    for sheet in book.worksheets:
        cells.append(sheet.title)
        for row in sheet.iter_rows(values_only=True):
            cells.extend(str(v) for v in row if v is not None)
    book.close()
    return "\n".join(cells)


# The sweeps lay reports out as their HTML (`reports_laid_out_as_html`): what WeasyPrint would lay out,
# searched as text. A PDF is made of nothing but that HTML, so a value absent from it is absent from the
# PDF; the real layout's text is checked by tests/test_reports*.py (pypdf on the public editions).
PDF_STAND_IN = b"%PDF-stand-in: the report's HTML\n"


def html_layout(html: str) -> bytes:
    return PDF_STAND_IN + html.encode()


def chart_as_data(spec: dict[str, Any], language: str | None) -> str:
    """A chart "drawn" as its spec (`charts_drawn_as_data`): the SVG holds every number it is drawn from."""
    data = html.escape(json.dumps(spec, ensure_ascii=False, sort_keys=True))
    return f'<svg xmlns="http://www.w3.org/2000/svg"><desc>{data}</desc></svg>'


def pdf_text(body: bytes) -> str:
    if body.startswith(PDF_STAND_IN):
        return body[len(PDF_STAND_IN) :].decode()
    try:
        from pypdf import PdfReader
    except ImportError:  # not installed: text that is not compressed shows in the raw bytes
        return body.decode("latin-1")
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)


def chart_links(page: str, kpis: Iterable[str] = ()) -> list[str]:
    """The data downloads (CSV) of the charts a page shows: `?chart=<id>&format=csv` on its own URL.
    With `kpis`, only the charts of those KPIs and the charts of no KPI (a page may draw one chart per
    KPI: each download computes the whole page again)."""
    wanted = {re.sub(r"[^a-z0-9]", "", k.lower()) for k in kpis}
    links = []
    for link, chart in _CHART_LINK.findall(page):
        named = _KPI_SLUG.findall(re.sub(r"[^a-z0-9]", "", chart.lower()))
        if not wanted or not named or wanted & set(named):
            links.append(html.unescape(link))
    return list(dict.fromkeys(links))


def count_by_kind() -> dict[str, int]:
    """How many routes are swept and skipped: API GET operations, page patterns."""
    routes = all_routes()
    swept = [routes[k] for k in ROUTES if k in routes]
    return {
        "api": sum(r.api for r in swept),
        "pages": sum(not r.api for r in swept),
        "skipped": sum(k in routes for k in SKIPPED),
    }
