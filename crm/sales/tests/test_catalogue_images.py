"""The product's picture from the product form: upload, replace, remove, the check
shared with the 1C exchange, the history, and the stock shown beside it."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from crm.core.errors import DomainError
from crm.core.models import AuditEntry
from crm.sales.models import Product
from crm.sales.services.catalogue import product_create, product_update
from crm.sales.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def head(make_user, team):
    return make_user(role="head", team=team)


def _png(colour: str = "red", kind: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), colour).save(buffer, kind)
    return buffer.getvalue()


def _upload(content: bytes, name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


def _stored(media) -> list[str]:
    return sorted(p.name for p in media.rglob("*") if p.is_file())


# --- the service ------------------------------------------------------------------------


def test_an_uploaded_picture_is_stored_by_its_content_and_recorded(admin_user, media):
    product = product_create(actor=admin_user, name="Насос")

    product_update(actor=admin_user, product=product, image=_upload(_png()))

    product.refresh_from_db()
    assert product.image.name.startswith("products/")
    assert product.image.name.endswith(".png")
    assert product.image.read() == _png()
    entry = AuditEntry.objects.get(object_id=product.pk, action="update")
    assert entry.changes["image"] == {"old": None, "new": product.image.name}


def test_a_replaced_and_a_removed_picture_are_in_the_history(admin_user):
    product = product_create(actor=admin_user, name="Насос", image=_upload(_png()))
    first = product.image.name

    product_update(
        actor=admin_user, product=product, image=_upload(_png("blue"), "b.PNG")
    )
    second = Product.objects.get(pk=product.pk).image.name
    product_update(actor=admin_user, product=product, image="")

    product.refresh_from_db()
    assert second != first
    assert not product.image
    changes = [
        entry.changes["image"]
        for entry in AuditEntry.objects.filter(
            object_id=product.pk, action="update"
        ).order_by("pk")
    ]
    assert changes == [
        {"old": first, "new": second},
        {"old": second, "new": None},
    ]


def test_the_same_picture_twice_is_one_file_and_no_change(admin_user, media):
    product = product_create(actor=admin_user, name="Насос", image=_upload(_png()))

    product_update(actor=admin_user, product=product, image=_upload(_png(), "x.png"))

    assert len(_stored(media)) == 1
    assert not AuditEntry.objects.filter(object_id=product.pk, action="update").exists()


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        (b"just some text, not a picture", "notes.png", "not a picture"),
        (_png(kind="PNG"), "photo.jpg", "not a picture"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "logo.svg", "JPEG, PNG"),
        (_png(), "photo.heic", "JPEG, PNG"),
    ],
)
def test_anything_but_a_real_picture_of_its_type_is_refused(
    admin_user, media, content, name, words
):
    product = product_create(actor=admin_user, name="Насос")

    with pytest.raises(DomainError) as refused:
        product_update(actor=admin_user, product=product, image=_upload(content, name))

    assert set(refused.value.all_errors) == {"image"}
    assert words in str(refused.value.all_errors["image"][0])
    assert name in str(refused.value.all_errors["image"][0])
    product.refresh_from_db()
    assert not product.image
    assert _stored(media) == []


def test_a_picture_over_the_size_limit_is_refused(admin_user, settings):
    settings.CRM_PRODUCT_IMAGE_MAX_SIZE = 100
    big = io.BytesIO()
    Image.effect_noise((64, 64), 100).save(big, "PNG")

    with pytest.raises(DomainError) as refused:
        product_create(actor=admin_user, name="Насос", image=_upload(big.getvalue()))

    assert "larger than" in str(refused.value.all_errors["image"][0])
    assert not Product.objects.exists()


def test_a_picture_is_not_stored_when_another_field_is_wrong(admin_user, media):
    with pytest.raises(DomainError):
        product_create(
            actor=admin_user, name="", barcode="4607176250214", image=_upload(_png())
        )

    assert _stored(media) == []


# --- the form ---------------------------------------------------------------------------


def test_the_form_uploads_replaces_and_removes_the_picture(client, head):
    product = ProductFactory(name="Насос")
    client.force_login(head)
    url = reverse("sales:product-update", args=[product.pk])
    fields = {"kind": "product", "name": "Насос", "version": product.version}

    uploaded = client.post(url, {**fields, "image": _upload(_png())})

    assert uploaded.status_code == 302
    product.refresh_from_db()
    assert product.image
    picture = client.get(product.image_url)
    assert picture["Content-Type"] == "image/png"
    assert b"".join(picture.streaming_content) == _png()
    form = client.get(url).content.decode()
    assert product.image_url in form
    assert 'name="image_remove"' in form
    assert 'enctype="multipart/form-data"' in form

    kept = client.post(url, {**fields, "version": product.version, "sku": "N-1"})
    product.refresh_from_db()
    assert kept.status_code == 302
    assert product.image

    removed = client.post(
        url, {**fields, "version": product.version, "image_remove": "on"}
    )
    product.refresh_from_db()
    assert removed.status_code == 302
    assert not product.image


def test_the_form_refuses_a_text_file_named_png_under_the_picture(client, head, media):
    product = ProductFactory(name="Насос")
    client.force_login(head)

    response = client.post(
        reverse("sales:product-update", args=[product.pk]),
        {
            "kind": "product",
            "name": "Насос",
            "version": product.version,
            "image": _upload(b"hello, I am text", "evil.png"),
        },
    )

    assert response.status_code == 200
    assert "evil.png is not a picture of its type" in response.content.decode()
    product.refresh_from_db()
    assert not product.image
    assert _stored(media) == []


def test_a_manager_may_not_upload_a_picture(client, manager, media):
    product = ProductFactory(name="Насос")
    client.force_login(manager)

    response = client.post(
        reverse("sales:product-update", args=[product.pk]),
        {"kind": "product", "name": "Насос", "image": _upload(_png())},
    )

    assert response.status_code == 403
    product.refresh_from_db()
    assert not product.image
    assert _stored(media) == []


def test_the_form_shows_the_stock_read_only_with_its_date(client, head):
    reported = timezone.make_aware(dt.datetime(2026, 12, 1, 10, 0))
    product = ProductFactory(
        name="Насос", stock=Decimal("20.500"), stock_updated_at=reported
    )
    client.force_login(head)
    url = reverse("sales:product-update", args=[product.pk])

    form = client.get(url).content.decode()
    client.post(url, {"kind": "product", "name": "Насос", "version": product.version})

    assert "20.5" in form
    assert "12/01/2026" in form
    assert 'name="stock"' not in form
    product.refresh_from_db()
    assert product.stock == Decimal("20.500")


# --- the API ------------------------------------------------------------------------------


def test_the_api_uploads_replaces_and_removes_the_picture(api_client, head, media):
    product = ProductFactory(name="Насос")
    client = api_client(head)
    url = f"/api/v1/products/{product.pk}/image"

    response = client.client.post(url, {"file": _upload(_png(), "pump.png")})
    assert response.status_code == 200, response.content
    assert response.json()["image_url"]
    product.refresh_from_db()
    first = product.image.name
    assert first.endswith(".png")

    response = client.client.post(url, {"file": _upload(_png("blue"), "b.png")})
    assert response.status_code == 200
    product.refresh_from_db()
    assert product.image.name != first

    response = client.delete(f"products/{product.pk}/image")
    assert response.status_code == 200
    assert response.json()["image_url"] == ""
    product.refresh_from_db()
    assert not product.image


def test_the_api_refuses_a_false_picture_and_a_manager(
    api_client, head, manager, media
):
    product = ProductFactory(name="Насос")
    url = f"/api/v1/products/{product.pk}/image"

    response = api_client(head).client.post(
        url, {"file": _upload(b"not an image", "evil.png")}
    )
    assert response.status_code == 422
    assert "image" in response.content.decode()

    response = api_client(manager).client.post(url, {"file": _upload(_png())})
    assert response.status_code == 403
    product.refresh_from_db()
    assert not product.image
    assert _stored(media) == []
