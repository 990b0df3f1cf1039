"""The Django pages of the browsable API: login and logout."""

from typing import Any

from django.contrib.auth.views import LoginView as DjangoLoginView
from django.contrib.auth.views import LogoutView as DjangoLogoutView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sessions_app.forms import BrowserLoginForm


class BrowserLoginView(DjangoLoginView):
    """The browsable API's login page, refusing politely under `ON_LIMIT=refuse_new`."""

    template_name = "rest_framework/login.html"
    authentication_form = BrowserLoginForm


class BrowserLogoutView(DjangoLogoutView):
    """Log out on POST; a GET (a link, as Swagger UI has) asks first: CSRF."""

    http_method_names = ["get", "post", "options"]
    next_page = "rest_framework:login"  # not the admin's "logged out" page

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        next_url = request.GET.get("next", "")
        return render(request, "sessions_app/logout_confirm.html", {"next": next_url})
