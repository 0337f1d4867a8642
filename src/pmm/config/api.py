"""The REST API under /api/v1: OpenAPI at /api/v1/openapi.json, interactive docs at /api/v1/docs."""

from ninja import NinjaAPI

from pmm.accounts.api import router as accounts_router
from pmm.accounts.api_auth import API_AUTH
from pmm.assessments.api import router as assessments_router
from pmm.assessments.workbook_api import router as workbook_router
from pmm.audit.api import router as audit_router
from pmm.core.api import install_error_handlers
from pmm.core.api_parser import CheckedParser
from pmm.cycles.api import router as cycles_router
from pmm.dashboards.api import router as dashboards_router
from pmm.evidence.api import router as evidence_router
from pmm.framework.api import router as framework_router
from pmm.members.api import router as members_router
from pmm.notifications.api import router as notifications_router
from pmm.results.api import router as results_router
from pmm.reviews.api.matrix import router as review_matrix_router
from pmm.reviews.api.queries import router as review_queries_router
from pmm.reviews.api.reviews import router as reviews_router
from pmm.targets.api import router as targets_router

api = NinjaAPI(
    title="WCO PMM platform API",
    version="1",
    description=(
        "Read frameworks, members and groups without signing in. Everything else needs an API token: "
        "create one on your account page or with `pmm token create`, "
        "then send `Authorization: Bearer <token>`. "
        'Errors always have the shape {"error": {"code", "message", "fields": [{"field", "message"}]}}.'
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    parser=CheckedParser(),
    auth=API_AUTH,
)
install_error_handlers(api)
api.add_router("", framework_router)
api.add_router("", members_router)
api.add_router("", accounts_router)
api.add_router("", audit_router)
api.add_router("", cycles_router)
api.add_router("", assessments_router)
api.add_router("", workbook_router)
api.add_router("", evidence_router)
api.add_router("", results_router)
api.add_router("", reviews_router)
api.add_router("", review_queries_router)
api.add_router("", review_matrix_router)
api.add_router("", notifications_router)
api.add_router("", targets_router)
api.add_router("", dashboards_router)
api.add_router("", "pmm.analytics.api.router")
api.add_router("", "pmm.jobs.api.router")
api.add_router("", "pmm.reports.api.router")
