"""The Jinja2 environment for every page except the Django admin.

Our templates live in each app's `jinja2/` folder; govuk-frontend-jinja's macros
are found under the prefix `govuk_frontend_jinja/`.
"""

from __future__ import annotations

from typing import Any

from django.templatetags.static import static
from django.urls import reverse
from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader

from .forms import choice_params, date_params, error_summary_items, field_params


def url(viewname: str, *args: Any, **kwargs: Any) -> str:
    return reverse(viewname, args=args or None, kwargs=kwargs or None)


def environment(**options: Any) -> Environment:
    app_loader = options.pop("loader", None)
    loaders = [PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")})]
    if app_loader is not None:
        loaders.insert(0, app_loader)
    options.pop("autoescape", None)  # always on: every page may show user input
    options.setdefault("trim_blocks", True)
    options.setdefault("lstrip_blocks", True)
    env = Environment(
        loader=ChoiceLoader(loaders), autoescape=True, extensions=["jinja2.ext.do"], **options
    )
    env.globals.update(
        {
            "url": url,
            "static": static,
            "field_params": field_params,
            "choice_params": choice_params,
            "date_params": date_params,
            "error_summary_items": error_summary_items,
        }
    )
    return env
