"""The normalised search text of clients and sites (clients/search.py), filled for existing rows;
`phone_digits` recomputed with phonenumbers (as dialled from France)."""

from django.db import migrations, models

from clients.models import client_search_text, site_search_text
from clients.search import phone_key


def fill(apps, schema_editor):
    Client = apps.get_model("clients", "Client")
    Site = apps.get_model("clients", "Site")
    site_texts = {}
    sites = []
    for site in Site.objects.order_by("pk").iterator(chunk_size=2000):
        site.search_text = site_search_text(site)
        site_texts.setdefault(site.client_id, []).append(site.search_text)
        sites.append(site)
    Site.objects.bulk_update(sites, ["search_text"], batch_size=1000)
    clients = []
    for client in Client.objects.order_by("pk").iterator(chunk_size=2000):
        client.search_text = client_search_text(client, site_texts.get(client.pk, []))
        client.phone_digits = phone_key(client.phone)[:30]
        clients.append(client)
    Client.objects.bulk_update(clients, ["search_text", "phone_digits"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="client",
            name="search_text",
            field=models.TextField(
                blank=True, default="", editable=False, verbose_name="search text"
            ),
        ),
        migrations.AddField(
            model_name="site",
            name="search_text",
            field=models.TextField(
                blank=True, default="", editable=False, verbose_name="search text"
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
