"""Reference data a new installation starts with: units, VAT rates, a pipeline with
its stages, reasons for losing, a price list and discount limits per role. An
administrator changes all of it in the settings."""

from decimal import Decimal

from django.db import migrations

UNITS = [
    ("шт", "pcs", "Штука", "Piece", "796"),
    ("кг", "kg", "Килограмм", "Kilogram", "166"),
    ("м", "m", "Метр", "Metre", "006"),
    ("ч", "h", "Час", "Hour", "356"),
    ("усл. ед.", "unit", "Условная единица", "Service unit", "876"),
    ("компл.", "set", "Комплект", "Set", "839"),
]
VAT = [
    ("НДС 22 %", "VAT 22%", Decimal("22"), True),
    ("НДС 10 %", "VAT 10%", Decimal("10"), False),
    ("НДС 0 %", "VAT 0%", Decimal("0"), False),
    ("Без НДС", "No VAT", None, False),
]
STAGES = [
    ("Первичный контакт", 10, "open"),
    ("Выявление потребностей", 20, "open"),
    ("Коммерческое предложение", 40, "open"),
    ("Переговоры", 60, "open"),
    ("Договор и счёт", 80, "open"),
    ("Успешно реализовано", 100, "won"),
    ("Закрыто и не реализовано", 0, "lost"),
]
LOST = [
    ("Высокая цена", "Price too high"),
    ("Выбрали конкурента", "Chose a competitor"),
    ("Нет бюджета", "No budget"),
    ("Потребность отпала", "No longer needed"),
    ("Нет ответа", "No answer"),
]
LIMITS = {"sales": Decimal("10"), "head": Decimal("25"), "admin": Decimal("100")}


def create(apps, schema_editor):
    unit = apps.get_model("sales", "Unit")
    for i, (short_ru, _short_en, name_ru, name_en, okei) in enumerate(UNITS):
        unit.objects.get_or_create(
            okei_code=okei,
            defaults={"short_name": short_ru, "name_ru": name_ru, "name_en": name_en, "position": i},
        )
    vat = apps.get_model("sales", "VatRate")
    for i, (name_ru, name_en, rate, default) in enumerate(VAT):
        vat.objects.get_or_create(
            name_ru=name_ru,
            defaults={"name_en": name_en, "rate": rate, "is_default": default, "position": i},
        )
    pipeline_model = apps.get_model("sales", "Pipeline")
    if not pipeline_model.objects.exists():
        pipeline = pipeline_model.objects.create(name="Продажи", is_default=True)
        stage = apps.get_model("sales", "Stage")
        for i, (name, probability, kind) in enumerate(STAGES):
            stage.objects.create(
                pipeline=pipeline, name=name, position=i, probability=probability, kind=kind
            )
    reason = apps.get_model("sales", "LostReason")
    for i, (name_ru, name_en) in enumerate(LOST):
        reason.objects.get_or_create(name_ru=name_ru, defaults={"name_en": name_en, "position": i})
    price_list = apps.get_model("sales", "PriceList")
    if not price_list.objects.exists():
        price_list.objects.create(name="Розничный", currency="RUB", is_default=True)
    limit = apps.get_model("sales", "DiscountLimit")
    for role, percent in LIMITS.items():
        limit.objects.get_or_create(role=role, defaults={"max_percent": percent})


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
