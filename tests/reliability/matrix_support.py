"""Requests of the authorisation matrix: one route, one role, GET or an empty POST, in a
savepoint rolled back so that no cell changes the world for the next one."""

from django.apps import apps
from django.db import transaction
from django.test import Client

from .routes import Route, url_for

ROLES = ("anonymous", "tech_a", "tech_b", "dispatcher", "manager", "superuser")


def admin_kwargs(route: Route) -> dict:
    """admin:<app>_<model>_<action> reaches the model's first row; app_list its app."""
    kwargs = {}
    if "app_label" in route.keywords:
        kwargs["app_label"] = "interventions"
    if "content_type_id" in route.keywords:
        from django.contrib.contenttypes.models import ContentType

        model = apps.get_model("clients", "client")
        kwargs["content_type_id"] = ContentType.objects.get_for_model(model).pk
        kwargs["object_id"] = str(model.objects.order_by("pk").values_list("pk", flat=True)[0])
    elif "object_id" in route.keywords or "id" in route.keywords:
        app_label, model_name = route.name.split(":")[1].rsplit("_", 1)[0].split("_", 1)
        if route.name.endswith("_password_change"):
            app_label, model_name = "auth", "user"
        model = apps.get_model(app_label, model_name)
        key = "id" if "id" in route.keywords else "object_id"
        # DRF's token admin names a token by its user's id (TokenProxy.pk), not by its key.
        column = "user_id" if model._meta.label == "authtoken.TokenProxy" else "pk"
        kwargs[key] = str(model.objects.order_by("pk").values_list(column, flat=True).first())
    return kwargs


def clients_by_role(world) -> dict:
    result = {}
    for role in ROLES:
        client = Client()
        user = world.users[role]
        if user is not None:
            client.force_login(user)
        result[role] = client
    return result


def outcome(response) -> str:
    """The cell's value: the status, and for a redirect whether it goes to a login page."""
    if response.status_code in (301, 302):
        location = response.headers["Location"]
        if "/login/" in location:
            return "login"
        return "302"
    return str(response.status_code)


def request_cell(client, method: str, url: str, *, user=None) -> str:
    """`user` given: a fresh client logged in as them (a logout must not log out the next
    cells' client)."""
    if user is not None or url.rstrip("/").endswith("logout"):
        client = Client()
        if user is not None:
            client.force_login(user)
    with transaction.atomic():
        response = client.get(url) if method == "GET" else client.post(url, {})
        transaction.set_rollback(True)
    return outcome(response)


def admin_args(route: Route) -> tuple:
    """admin:<app>_<model>_simple_history (django-simple-history, a regex route with unnamed
    groups): the model's first row and its first historical row."""
    app_label, model_name = route.name.split(":")[1].removesuffix("_simple_history").split("_", 1)
    model = apps.get_model(app_label, model_name)
    instance = model.objects.order_by("pk").first()
    record = instance.history.order_by("history_id").first()
    return str(instance.pk), str(record.history_id)


def route_url(world, route: Route) -> str:
    if route.name.startswith("admin:") and route.positional:
        return url_for(route, {}, admin_args(route))
    if route.name.startswith("admin:"):
        return url_for(route, admin_kwargs(route))
    return url_for(route, world.url_kwargs(route.name, route.keywords))
