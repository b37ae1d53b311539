from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0005_product_stock_image"),
    ]

    operations = [
        migrations.AddField(
            model_name="product",
            name="barcode",
            field=models.CharField(blank=True, max_length=64, verbose_name="barcode"),
        ),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(fields=["barcode"], name="product_barcode_idx"),
        ),
    ]
