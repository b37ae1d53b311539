"""The sales API: one router per sub-domain, mounted together under /api/v1/."""

from ninja import Router

from crm.sales.api import analytics, catalogue, deals, documents, leads, playbooks

router = Router()
for module in (catalogue, leads, deals, playbooks, documents, analytics):
    router.add_router("", module.router)
