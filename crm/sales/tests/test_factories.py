from crm.sales.models import Deal, StageKind
from crm.sales.tests.factories import DealFactory, DealLineFactory


def test_a_deal_starts_in_the_first_open_stage_of_the_default_pipeline(manager):
    deal = DealFactory(owner=manager)
    DealLineFactory(deal=deal)

    deal = Deal.objects.get(pk=deal.pk)
    assert deal.pipeline.is_default
    assert deal.stage.kind == StageKind.OPEN
    assert deal.stage.position == 0
    assert deal.company.curator == manager
    assert deal.lines.count() == 1
