"""The HTTP API under /api/v1/: one NinjaAPI that mounts each app's router.

Authentication is `Authorization: Bearer <token>`; errors are JSON with one shape:
401 without a valid token, 403 for a record the user may see but not change, 404 for
a record that does not exist or is hidden from them, 409 for a stale edit and 422
naming the failing fields.
"""

from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from crm.accounts.services import api_token_authenticate
from crm.core.errors import Conflict, DomainError, Forbidden, NotFound


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="CRM API",
    version="1",
    urls_namespace="api",
    auth=BearerToken(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _fields(error: DomainError) -> list[dict]:
    return [
        {"loc": ["body", *(field.split(".") if field else [])], "msg": str(message)}
        for field, messages in error.all_errors.items()
        for message in messages
    ]


@api.exception_handler(Conflict)
def _conflict(request, exc: Conflict):
    return api.create_response(
        request, {"detail": str(exc.message), "code": "conflict"}, status=409
    )


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    return api.create_response(
        request, {"detail": _fields(exc), "code": exc.code}, status=422
    )


@api.exception_handler(NotFound)
def _not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(Forbidden)
def _forbidden(request, exc: Forbidden):
    message = str(exc.message) if exc.message else _("You may not do this.")
    return api.create_response(request, {"detail": message}, status=403)


@api.exception_handler(AuthenticationError)
def _unauthorized(request, exc):
    return api.create_response(
        request,
        {"detail": _("Send a valid API token: Authorization: Bearer <token>.")},
        status=401,
    )


@api.exception_handler(NinjaValidationError)
def _invalid(request, exc: NinjaValidationError):
    detail = [
        {"loc": list(e.get("loc", [])), "msg": e.get("msg", "")} for e in exc.errors
    ]
    return api.create_response(
        request, {"detail": detail, "code": "invalid"}, status=422
    )


def _mount_routers() -> None:
    from crm.accounts.api import router as accounts_router
    from crm.activities.api import router as activities_router
    from crm.core.api import router as core_router
    from crm.customers.api import router as customers_router
    from crm.duplicates.api import router as duplicates_router
    from crm.exchange.api import router as exchange_router
    from crm.imports.api import router as imports_router
    from crm.sales.api import router as sales_router
    from crm.webhooks.api import router as webhooks_router

    api.add_router("", core_router)
    api.add_router("", accounts_router)
    api.add_router("", customers_router)
    api.add_router("", activities_router)
    api.add_router("", sales_router)
    api.add_router("", imports_router)
    api.add_router("", duplicates_router)
    api.add_router("", webhooks_router)
    api.add_router("", exchange_router)


_mount_routers()
