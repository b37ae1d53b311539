"""Settings of deals: pipelines and stages, reasons for losing, discount limits —
the services and the administrators' pages."""

import pytest

from crm.core.errors import DomainError, Forbidden
from crm.sales.models import DiscountLimit, LostReason, Pipeline, Stage, StageKind
from crm.sales.services.deals import deal_move_stage
from crm.sales.services.pipelines import (
    lost_reason_create,
    lost_reason_delete,
    lost_reason_update,
    pipeline_create,
    pipeline_delete,
    pipeline_reorder,
    pipeline_update,
    stage_create,
    stage_delete,
    stage_reorder,
    stage_update,
)
from crm.sales.tests.factories import default_pipeline
from crm.sales.tests.factories_deals import make_deal, open_stages, stage


def test_a_new_pipeline_starts_with_open_won_and_lost_stages(admin_user):
    pipeline = pipeline_create(actor=admin_user, name="Тендеры")
    kinds = list(pipeline.stages.order_by("position").values_list("kind", flat=True))
    assert kinds == [StageKind.OPEN, StageKind.WON, StageKind.LOST]


def test_a_pipeline_with_given_stages_needs_every_kind(admin_user):
    with pytest.raises(DomainError) as error:
        pipeline_create(
            actor=admin_user,
            name="Без проигрыша",
            stages=[
                {"name": "Старт", "probability": 10, "kind": "open"},
                {"name": "Успех", "probability": 100, "kind": "won"},
            ],
        )
    assert error.value.field == "stages"
    assert not Pipeline.objects.filter(name="Без проигрыша").exists()


def test_a_stage_with_a_bad_probability_is_named(admin_user):
    with pytest.raises(DomainError) as error:
        pipeline_create(
            actor=admin_user,
            name="Опт",
            stages=[{"name": "Старт", "probability": 120, "kind": "open"}],
        )
    assert error.value.field == "stages.0.probability"


def test_only_administrators_change_pipelines(manager):
    with pytest.raises(Forbidden):
        pipeline_create(actor=manager, name="Моя воронка")


def test_one_default_pipeline_at_a_time(admin_user):
    old = default_pipeline()
    new = pipeline_create(actor=admin_user, name="Новая", is_default=True)
    old.refresh_from_db()
    assert new.is_default
    assert not old.is_default
    with pytest.raises(DomainError):
        pipeline_update(actor=admin_user, pipeline=new, is_default=False)
    with pytest.raises(DomainError):
        pipeline_update(actor=admin_user, pipeline=new, is_active=False)


def test_pipelines_and_stages_are_reordered(admin_user):
    first = default_pipeline()
    second = pipeline_create(actor=admin_user, name="Вторая")
    pipeline_reorder(actor=admin_user, pipeline_ids=[second.pk, first.pk])
    assert list(Pipeline.objects.values_list("pk", flat=True)) == [second.pk, first.pk]
    ids = list(second.stages.values_list("pk", flat=True))
    stage_reorder(actor=admin_user, pipeline=second, stage_ids=list(reversed(ids)))
    assert list(second.stages.order_by("position").values_list("pk", flat=True)) == (
        list(reversed(ids))
    )
    with pytest.raises(DomainError):
        stage_reorder(actor=admin_user, pipeline=second, stage_ids=ids[:1])


def test_the_last_lost_stage_cannot_go(admin_user):
    pipeline = pipeline_create(actor=admin_user, name="Короткая")
    lost = pipeline.stages.get(kind=StageKind.LOST)
    with pytest.raises(DomainError):
        stage_delete(actor=admin_user, stage=lost)
    with pytest.raises(DomainError):
        stage_update(actor=admin_user, stage=lost, kind=StageKind.OPEN)
    assert Stage.objects.filter(pk=lost.pk, kind=StageKind.LOST).exists()


def test_stages_are_added_where_asked_and_renamed(admin_user):
    pipeline = pipeline_create(actor=admin_user, name="Опт")
    added = stage_create(
        actor=admin_user, pipeline=pipeline, name="КП", probability=40, position=1
    )
    names = list(pipeline.stages.order_by("position").values_list("name", flat=True))
    assert names[1] == "КП"
    stage_update(actor=admin_user, stage=added, name="Коммерческое предложение")
    added.refresh_from_db()
    assert added.name == "Коммерческое предложение"


def test_a_stage_deals_have_been_in_cannot_be_deleted(admin_user, manager):
    deal = make_deal(manager)
    second = open_stages()[1]
    deal_move_stage(actor=manager, deal=deal, stage=second)
    deal_move_stage(actor=manager, deal=deal, stage=open_stages()[2])
    with pytest.raises(DomainError) as error:
        stage_delete(actor=admin_user, stage=second)
    assert "history" in error.value.message
    with pytest.raises(DomainError):
        stage_delete(actor=admin_user, stage=deal.stage)
    with pytest.raises(DomainError):
        stage_update(actor=admin_user, stage=deal.stage, kind=StageKind.WON)


def test_a_pipeline_with_deals_is_retired_not_deleted(admin_user, manager):
    pipeline = pipeline_create(actor=admin_user, name="Старая")
    make_deal(manager, pipeline=pipeline)
    with pytest.raises(DomainError):
        pipeline_delete(actor=admin_user, pipeline=pipeline)
    empty = pipeline_create(actor=admin_user, name="Пустая")
    pipeline_delete(actor=admin_user, pipeline=empty)
    assert not Pipeline.objects.filter(pk=empty.pk).exists()


def test_reasons_for_losing_in_two_languages(admin_user, manager):
    reason = lost_reason_create(
        actor=admin_user, name_ru="Сроки поставки", name_en="Delivery time"
    )
    lost_reason_update(actor=admin_user, reason=reason, is_active=False)
    reason.refresh_from_db()
    assert not reason.is_active
    with pytest.raises(DomainError) as error:
        lost_reason_create(actor=admin_user, name_ru=" ", name_en="")
    assert error.value.field == "name_en"
    used = LostReason.objects.filter(is_active=True).first()
    deal = make_deal(manager)
    deal_move_stage(
        actor=manager, deal=deal, stage=stage(StageKind.LOST), lost_reason=used
    )
    with pytest.raises(DomainError):
        lost_reason_delete(actor=admin_user, reason=used)
    lost_reason_delete(actor=admin_user, reason=reason)


def test_a_retired_reason_cannot_be_given(manager, admin_user):
    reason = lost_reason_create(actor=admin_user, name_ru="Старая", name_en="Old")
    lost_reason_update(actor=admin_user, reason=reason, is_active=False)
    deal = make_deal(manager)
    with pytest.raises(DomainError) as error:
        deal_move_stage(
            actor=manager, deal=deal, stage=stage(StageKind.LOST), lost_reason=reason
        )
    assert error.value.field == "lost_reason"


# --- pages ----------------------------------------------------------------------------------


def test_settings_pages_are_for_administrators(client, manager):
    client.force_login(manager)
    for url in (
        "/settings/pipelines/",
        "/settings/lost-reasons/",
        "/settings/discount-limits/",
    ):
        assert client.get(url).status_code == 403


def test_an_administrator_sets_up_a_pipeline_on_the_pages(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        "/settings/pipelines/new/", {"name": "Тендеры", "is_active": "on"}
    )
    pipeline = Pipeline.objects.get(name="Тендеры")
    assert response.url == f"/settings/pipelines/{pipeline.pk}/"
    response = client.post(
        f"/settings/pipelines/{pipeline.pk}/stages/new/",
        {
            "stage-name": "Подача заявки",
            "stage-probability": "30",
            "stage-kind": "open",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/settings/pipelines/{pipeline.pk}/")
    assert "Подача заявки" in page.content.decode()
    added = pipeline.stages.get(name="Подача заявки")
    client.post(
        f"/settings/pipelines/{pipeline.pk}/stages/{added.pk}/move/",
        {"direction": "up"},
    )
    assert pipeline.stages.order_by("position").first() == added
    lost = pipeline.stages.get(kind=StageKind.LOST)
    response = client.post(
        f"/settings/pipelines/{pipeline.pk}/stages/{lost.pk}/delete/", follow=True
    )
    assert "one lost stage" in response.content.decode()
    assert Stage.objects.filter(pk=lost.pk).exists()


def test_an_administrator_edits_reasons_and_limits_on_the_pages(client, admin_user):
    client.force_login(admin_user)
    client.post(
        "/settings/lost-reasons/new/",
        {
            "name_ru": "Ушли к конкуренту",
            "name_en": "Went elsewhere",
            "is_active": "on",
        },
    )
    assert LostReason.objects.filter(name_en="Went elsewhere").exists()
    data = dict.fromkeys(("admin", "head", "sales", "marketer", "service"), "10")
    data.update({"readonly": "0", "sales": "15"})
    response = client.post("/settings/discount-limits/", data)
    assert response.status_code == 302
    assert DiscountLimit.objects.get(role="sales").max_percent == 15
    data["head"] = "150"
    response = client.post("/settings/discount-limits/", data)
    assert response.status_code == 200
    assert DiscountLimit.objects.get(role="head").max_percent == 10
