"""A request's documents are stored under random names (cases.models.attachment_path,
decision 69); the column is unchanged, and stored documents keep their names."""

from django.db import migrations, models

import pishkhan.cases.models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_province_requests_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="attachment",
            name="file",
            field=models.FileField(upload_to=pishkhan.cases.models.attachment_path),
        ),
    ]
