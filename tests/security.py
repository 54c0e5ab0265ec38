"""Helpers for the security tests: every route of the URLconf, and production settings.

``routes()`` walks the URLconf itself, so a route added later is walked by every security
test without anyone remembering to list it. Path parameters are filled in from a small map
of real values (a petition's slug, a live confirmation token, ...); a parameter nobody
mapped gets a placeholder, so its route is still walked (and usually answers 404).
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any
from unittest import mock

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

import tautoko.settings

PLACEHOLDER = "placeholder1"

# The environment that makes "production settings" (README, "Production settings").
PRODUCTION_ENVIRONMENT = {
    "SECRET_KEY": "production-like-secret-key-for-tests-only-" + "p" * 20,
    "TAUTOKO_HTTPS": "1",
    "ALLOWED_HOSTS": "petitions.example.org",
    "SITE_URL": "https://petitions.example.org",
    "DEBUG": "0",
    "TAUTOKO_DEMO": "0",
}

# The settings that decide the security headers and cookies of a response.
_SECURITY_SETTING = re.compile(
    r"^(SECURE_|SESSION_COOKIE_|CSRF_COOKIE_|LANGUAGE_COOKIE_|X_FRAME_OPTIONS$|MESSAGE_STORAGE$)"
)


def production_settings_module() -> ModuleType:
    """tautoko/settings.py as it loads under PRODUCTION_ENVIRONMENT, as a separate module."""
    spec = importlib.util.spec_from_file_location(
        "tautoko_production_settings", tautoko.settings.__file__
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    environment = {**os.environ, **PRODUCTION_ENVIRONMENT}
    for variable in ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS"):
        environment.pop(variable, None)
    with mock.patch.dict(os.environ, environment, clear=True):
        spec.loader.exec_module(module)
    return module


def production_security_settings() -> dict[str, Any]:
    """The security settings of production, to apply with ``override_settings``."""
    module = production_settings_module()
    return {name: getattr(module, name) for name in dir(module) if _SECURITY_SETTING.match(name)}


@dataclass(frozen=True)
class Route:
    name: str  # "petitions:detail", or the pattern itself when it has no name
    path: str  # with its parameters filled in
    callback: Callable[..., Any]


def _parameter_names(pattern: Any) -> list[str]:
    converters = getattr(pattern, "converters", None)
    if converters is not None and hasattr(pattern, "_route"):
        return list(converters)
    return list(pattern.regex.groupindex)


def _walk(
    patterns: list[Any], prefix: list[Any], namespaces: list[str]
) -> Iterator[tuple[list[Any], list[str], URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = [*namespaces, entry.namespace] if entry.namespace else namespaces
            yield from _walk(entry.url_patterns, [*prefix, entry.pattern], inner)
        else:
            yield [*prefix, entry.pattern], namespaces, entry


def _unnamed_path(parts: list[Any], values: Mapping[str, str]) -> str:
    """The path of a pattern without a name (the admin's catch-all), built from its text."""
    path = ""
    for part in parts:
        text = str(part)
        if hasattr(part, "_route"):
            text = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], text)
        else:
            text = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: values[m.group(1)], text)
            text = text.lstrip("^").rstrip("$").replace("\\", "")
        path += text
    return "/" + path


def routes(fill: Callable[[str, str], str], *, urlconf: str | None = None) -> list[Route]:
    """Every route in the URLconf, with each parameter filled by ``fill(parameter, name)``."""
    found = []
    for parts, namespaces, pattern in _walk(get_resolver(urlconf).url_patterns, [], []):
        parameters = [name for part in parts for name in _parameter_names(part)]
        if pattern.name:
            name = ":".join([*namespaces, pattern.name])
            values = {parameter: fill(parameter, name) for parameter in parameters}
            try:
                path = reverse(name, kwargs=values, urlconf=urlconf)
            except NoReverseMatch:
                values = {parameter: "1" for parameter in parameters}
                path = reverse(name, kwargs=values, urlconf=urlconf)
        else:
            name = "".join(str(part) for part in parts)
            values = {parameter: fill(parameter, name) for parameter in parameters}
            path = _unnamed_path(parts, values)
        found.append(Route(name=name, path=path, callback=pattern.callback))
    return found


def _first_pk(model: type[models.Model]) -> str:
    pk = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
    return str(pk) if pk is not None else "1"


def _admin_model(name: str) -> type[models.Model] | None:
    """The model an admin route is about: app labels and model names may hold underscores,
    so match against every registered model rather than split the route's name."""
    from django.contrib import admin

    for model in admin.site._registry:
        if name.startswith(f"admin:{model._meta.app_label}_{model._meta.model_name}_"):
            return model
    return None


def route_filler(values: Mapping[str, str]) -> Callable[[str, str], str]:
    """Fill parameters from ``values`` by name; the admin's from the rows in the database."""

    def fill(parameter: str, name: str) -> str:
        if parameter in values:
            return values[parameter]
        admin_model = _admin_model(name)
        if parameter in ("object_id", "id", "pk") and admin_model is not None:
            return _first_pk(admin_model)
        if parameter == "app_label":
            return "petitions"
        if parameter == "content_type_id":
            return str(ContentType.objects.get_for_model(apps.get_model("petitions.Petition")).pk)
        if parameter == "object_id":
            return _first_pk(apps.get_model("petitions.Petition"))
        if parameter == "url":
            return "nowhere/"
        return PLACEHOLDER

    return fill


def staff_client(user: Any, **client_options: Any) -> Client:
    """A client logged in as ``user``, past the staff two-factor check when there is one."""
    client = Client(**client_options)
    client.force_login(user)
    if apps.is_installed("django_otp") and apps.is_installed("django_otp.plugins.otp_totp"):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="tests", defaults={"confirmed": True}
        )
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    return client


def database_snapshot(*, sessions: bool = True) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table that Django knows, to compare before and after.

    ``sessions=False`` leaves out the session table: a GET may leave a flash message in the
    visitor's own session (the admin's "no such object"), which changes nothing else.
    """
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed
        and not model._meta.proxy
        and (sessions or model._meta.label != "sessions.Session")
    }


def is_dev_mode() -> bool:
    return bool(settings.DEMO or settings.DEBUG)


def world_build(case: Any, **petition_fields: Any) -> dict[str, str]:
    """One of everything a route can show, made by ``case``'s builders: an open petition
    with a pending and a confirmed signature, a closed petition, and a sent email. Returns
    the values for the routes' parameters (see ``route_filler``)."""
    from tautoko.outbox.models import OutboundEmail
    from tautoko.petitions.models import Petition, Signature

    petition = case.make_petition(**petition_fields)
    pending = case.make_signature(petition)
    confirmed = case.make_signature(petition, state=Signature.State.CONFIRMED)
    case.make_petition(state=Petition.State.CLOSED)
    from tautoko.petitions.emails import confirmation_build

    confirmation_build(signature=pending, token=pending.token, sequence=1).save(force_insert=True)
    case.work_run()
    email = OutboundEmail.objects.get(state=OutboundEmail.State.SENT)
    return {
        "slug": petition.slug,
        "token": pending.token,
        "receipt": confirmed.receipt,
        "code": email.code,
    }
