import datetime

import django.core.validators
from django.db import migrations, models

# The default rate, in force "since ever" for this system: every fee line computed before VAT
# became data used 10 %, and this row keeps those prices reproducible.
DEFAULT_PERCENT = 10
DEFAULT_FROM = datetime.date(2000, 1, 1)


def seed_default_rate(apps, schema_editor):
    VatRate = apps.get_model("catalog", "VatRate")
    VatRate.objects.get_or_create(
        effective_from=DEFAULT_FROM,
        defaults={"percent": DEFAULT_PERCENT, "source": "Default rate (10 %)"},
    )


def drop_default_rate(apps, schema_editor):
    VatRate = apps.get_model("catalog", "VatRate")
    VatRate.objects.filter(effective_from=DEFAULT_FROM, percent=DEFAULT_PERCENT).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='VatRate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('percent', models.PositiveSmallIntegerField(validators=[django.core.validators.MaxValueValidator(100)], verbose_name='percent')),
                ('effective_from', models.DateField(unique=True, verbose_name='effective from')),
                ('source', models.CharField(blank=True, max_length=200, verbose_name='source')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'verbose_name': 'VAT rate',
                'verbose_name_plural': 'VAT rates',
                'ordering': ['-effective_from'],
                'constraints': [models.CheckConstraint(condition=models.Q(('percent__lte', 100)), name='vat_rate_at_most_100')],
            },
        ),
        migrations.RunPython(seed_default_rate, drop_default_rate),
    ]
