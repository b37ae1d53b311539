"""The kanban board of deals in a real browser: dragging a card saves the move at
once; a lost column asks the reason; a refused move puts the card back and says why.

(The whole story — drag, then issue an invoice — is in test_sales_story.py.)"""

import pytest

from crm.sales.models import Deal, DealStatus, LostReason, StageKind
from crm.sales.services.deals import deal_move_stage
from crm.sales.tests.factories import default_pipeline
from crm.sales.tests.factories_deals import make_deal, open_stages, stage

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _reference_data(sales_reference_data):
    pass


def test_drag_a_deal_to_the_next_stage(page, sign_in, drag, manager):
    # given
    deal = make_deal(manager, title="Станки для «Ромашки»", amount="120000")
    first, second = open_stages()[:2]
    sign_in(manager)
    page.goto(f"/deals/board/{default_pipeline().pk}/")
    page.wait_for_selector(f"#column-{first.pk} #deal-card-{deal.pk}")
    # when
    with page.expect_response(f"**/deals/{deal.pk}/move/") as answer:
        drag(f"#deal-card-{deal.pk}", f"#column-{second.pk}")
    # then
    assert answer.value.status == 200
    page.wait_for_selector(f"#column-{second.pk} #deal-card-{deal.pk}")
    page.wait_for_function(
        "(id) => document.querySelector(`#column-header-${id} .column-count`)"
        ".textContent.trim() === '1'",
        arg=second.pk,
    )
    deal.refresh_from_db()
    assert deal.stage == second
    change = deal.stage_changes.order_by("-changed_at", "-id").first()
    assert (change.from_stage, change.to_stage, change.changed_by) == (
        first,
        second,
        manager,
    )


def test_dropping_on_the_lost_column_asks_the_reason(page, sign_in, drag, manager):
    deal = make_deal(manager, title="Сделка под вопросом")
    lost = stage(StageKind.LOST)
    reason = LostReason.objects.filter(is_active=True).first()
    sign_in(manager)
    page.goto(f"/deals/board/{default_pipeline().pk}/")

    drag(f"#deal-card-{deal.pk}", f"#column-{lost.pk}")
    page.wait_for_selector("#lost-modal.show")
    page.select_option("#lost-reason", str(reason.pk))
    page.fill("#lost-comment", "Выбрали конкурента")
    with page.expect_response(f"**/deals/{deal.pk}/move/"):
        page.click("#lost-form button[type=submit]")

    page.wait_for_selector(f"#column-{lost.pk} #deal-card-{deal.pk}")
    deal.refresh_from_db()
    assert deal.status == DealStatus.LOST
    assert deal.lost_reason == reason
    assert deal.lost_comment == "Выбрали конкурента"


def test_a_refused_move_puts_the_card_back_and_says_why(page, sign_in, drag, manager):
    # given: a won deal, which a sales manager may not reopen
    deal = make_deal(manager, title="Уже выиграна")
    won = stage(StageKind.WON)
    deal_move_stage(actor=manager, deal=deal, stage=won)
    first = open_stages()[0]
    sign_in(manager)
    page.goto(f"/deals/board/{default_pipeline().pk}/")
    # when
    with page.expect_response(f"**/deals/{deal.pk}/move/") as answer:
        drag(f"#deal-card-{deal.pk}", f"#column-{first.pk}")
    # then
    assert answer.value.status == 403
    page.wait_for_selector("#board-message .alert")
    assert "head of department" in page.inner_text("#board-message")
    page.wait_for_selector(f"#column-{won.pk} #deal-card-{deal.pk}")
    assert Deal.objects.get(pk=deal.pk).status == DealStatus.WON


def test_the_board_scrolls_sideways_on_a_phone(page, sign_in, manager):
    make_deal(manager)
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(manager)
    page.goto(f"/deals/board/{default_pipeline().pk}/")
    widths = page.evaluate(
        "() => { const b = document.getElementById('deal-board');"
        " return [b.scrollWidth, b.clientWidth, document.body.scrollWidth]; }"
    )
    assert widths[0] > widths[1]
    assert widths[2] <= 375
