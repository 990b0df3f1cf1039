import time
from ipaddress import IPv4Network, IPv6Network, ip_network

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.throttling import throttle_registry
from sessions_app import selectors, services
from sessions_app.forms import AdminLoginForm
from sessions_app.models import EndReason, SecurityEvent, UserSession
from sessions_app.permissions import may_end_sessions_of
from sessions_app.views.pages import step_up_redirect

# The admin login refuses politely under ON_LIMIT=refuse_new, like the browsable API.
admin.site.login_form = AdminLoginForm

SESSION_FIELDS = [
    "id",
    "user",
    "transport",
    "login_method",
    "device_name",
    "browser",
    "os",
    "device_type",
    "ip_address",
    "location",
    "user_agent",
    "created_at",
    "last_activity",
    "expires_at",
    "is_active",
    "ended_at",
    "end_reason",
    "credential_fingerprint",
]


class ReadOnlySessionMixin:
    def has_add_permission(
        self, request: HttpRequest, obj: UserSession | None = None
    ) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: UserSession | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: UserSession | None = None
    ) -> bool:
        return False


def _address_or_range(term: str) -> IPv4Network | IPv6Network | None:
    """The IP address or CIDR range a search term is, if the database can search it."""
    try:
        network = ip_network(term.strip(), strict=False)
    except ValueError:
        return None
    if network.num_addresses > 1 and connection.vendor != "postgresql":
        return None
    return network


class AddressSearchMixin:
    """Search like the staff API: an address or CIDR range matches the address alone
    (through its index), any other term the usual fields."""

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        network = _address_or_range(search_term)
        if network is None:
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(selectors.ip_filter(network)), False


SCOPE_LABELS = {
    "login_ip": _("Sign-in requests per address"),
    "login_failures_account_ip": _("Failed passwords per account and address"),
    "login_failures_account": _("Failed passwords per account"),
    "login_failures_device": _("Failed passwords per device and account"),
}


def _who(ident: str) -> str:
    """Name whom a counter limits: a username, an address, or an unknown name."""
    account, _sep, address = ident.partition(":")
    if account == "user":
        user_id, _sep, _rest = address.partition(":")
        user = get_user_model().objects.filter(pk=user_id).first()
        return user.username if user else _("a deleted account")
    if account == "name":
        return _("an unknown name")
    return ident  # a client address


@admin.register(UserSession)
class UserSessionAdmin(AddressSearchMixin, ReadOnlySessionMixin, admin.ModelAdmin):
    # Status and end reason first; few enough columns to read at 1280 px.
    list_display = [
        "status",
        "end_reason",
        "user",
        "device_name",
        "location",
        "ip_address",
        "last_activity",
        "created_at",
    ]
    list_filter = ["is_active", "transport", "end_reason", "login_method", "location"]
    search_fields = [
        "user__username",
        "user__mobile",
        "ip_address",
        "device_name",
        "user_agent",
    ]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    fields = SESSION_FIELDS
    readonly_fields = SESSION_FIELDS
    actions = ["end_selected_sessions"]

    @admin.display(description="status", ordering="-is_active")
    def status(self, session: UserSession) -> str:
        return _("Live") if session.is_active else _("Ended")

    @admin.display(description="credential fingerprint")
    def credential_fingerprint(self, session: UserSession) -> str:
        """The start of the stored digest: tells sessions apart, reveals nothing."""
        stored = session.token_digest or session.session_key_digest or ""
        return f"sha256:{stored[:12]}…" if stored else "-"

    def get_urls(self) -> list:
        console = self.admin_site.admin_view(self.abuse_console_view)
        end = self.admin_site.admin_view(self.end_session_view)
        return [
            path("abuse/", console, name="sessions_app_abuse_console"),
            path("<uuid:pk>/end/", end, name="sessions_app_usersession_end"),
            *super().get_urls(),
        ]

    def may_end(self, request: HttpRequest, session: UserSession) -> bool:
        """Tell whether this staff member may end this live session."""
        return (
            session.is_active
            and self.has_end_permission(request)
            and may_end_sessions_of(request.user, session.user)
        )

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        session = self.get_object(request, object_id)
        may_end = session is not None and self.may_end(request, session)
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), "may_end": may_end}
        )

    def end_session_view(self, request: HttpRequest, pk: str) -> HttpResponse:
        """Confirm, then end one session (`terminated_by_staff`, the actor recorded).

        Another user's session needs a recent step-up, as in the API: the page sends
        the browser to confirm its password first, and back here after.
        """
        session = selectors.session_get(pk)
        if session is None:
            raise Http404
        if not self.may_end(request, session):
            raise PermissionDenied
        if session.user_id != request.user.pk:
            confirm_first = step_up_redirect(request)
            if confirm_first is not None:
                return confirm_first
        change_url = reverse("admin:sessions_app_usersession_change", args=[pk])
        if request.method == "POST":
            services.session_end(
                session=session,
                reason=EndReason.TERMINATED_BY_STAFF,
                detail={"actor": services.actor_detail(request.user)},
            )
            self.message_user(request, _("The session was ended."), messages.SUCCESS)
            return redirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": _("End this session?"),
            "session": session,
            "opts": self.model._meta,
            "change_url": change_url,
        }
        return TemplateResponse(
            request, "admin/sessions_app/usersession/end_confirmation.html", context
        )

    def abuse_console_view(self, request: HttpRequest) -> HttpResponse:
        """List the tripped sign-in limits; clear one (needs `clear_throttle`)."""
        can_clear = request.user.has_perm("sessions_app.clear_throttle")
        if not (can_clear or self.has_view_permission(request)):
            raise PermissionDenied
        if request.method == "POST":
            if not can_clear:
                raise PermissionDenied
            wanted = (request.POST.get("scope"), request.POST.get("ident"))
            for limit in throttle_registry.entries():
                if (
                    limit.scope,
                    limit.ident,
                ) == wanted and limit.key == request.POST.get("key"):
                    services.throttle_limit_clear(limit=limit, actor=request.user)
                    self.message_user(request, _("The limit was cleared."))
            return redirect("admin:sessions_app_abuse_console")
        now = time.time()
        rows = [
            {
                "limit": limit,
                "scope_label": SCOPE_LABELS.get(limit.scope, limit.scope),
                "who": _who(limit.ident),
                "expires_in": max(0, round(limit.expires_at - now)),
            }
            for limit in throttle_registry.entries()
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Abuse console"),
            "limits": rows,
            "can_clear": can_clear,
        }
        return TemplateResponse(
            request, "admin/sessions_app/abuse_console.html", context
        )

    def has_end_permission(self, request: HttpRequest) -> bool:
        """Only staff holding `end_usersession` see the end action (not view-only)."""
        return request.user.has_perm("sessions_app.end_usersession")

    @admin.action(description="End the selected sessions", permissions=["end"])
    def end_selected_sessions(
        self, request: HttpRequest, queryset: QuerySet
    ) -> HttpResponse | None:
        live = queryset.filter(is_active=True).select_related("user")
        allowed = [s for s in live if may_end_sessions_of(request.user, s.user)]
        if any(s.user_id != request.user.pk for s in allowed):
            confirm_first = step_up_redirect(request)
            if confirm_first is not None:  # back to the list: choose them again
                self.message_user(
                    request,
                    _("Confirm your password, then end the sessions again."),
                    messages.WARNING,
                )
                return confirm_first
        ended = services.session_end_all(
            sessions=allowed,
            reason=EndReason.TERMINATED_BY_STAFF,
            detail={"actor": services.actor_detail(request.user)},
        )
        self.message_user(
            request,
            ngettext("%d session was ended.", "%d sessions were ended.", len(ended))
            % len(ended),
            messages.SUCCESS,
        )
        if len(allowed) < len(live):
            self.message_user(
                request,
                _("Only a superuser may end a superuser's sessions: those were kept."),
                messages.WARNING,
            )
        return None


class UserSessionInline(ReadOnlySessionMixin, admin.TabularInline):
    model = UserSession
    fields = [
        "device_name",
        "transport",
        "ip_address",
        "location",
        "created_at",
        "last_activity",
        "is_active",
        "end_reason",
    ]
    readonly_fields = fields
    ordering = ["-created_at"]
    extra = 0
    max_num = 0
    show_change_link = True
    verbose_name_plural = "sessions (newest first)"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).order_by("-created_at")


# `accounts` knows nothing of sessions: add the inline to its user admin from here.
User = get_user_model()
_user_admin_class = type(admin.site._registry[User])
admin.site.unregister(User)


@admin.register(User)
class UserWithSessionsAdmin(_user_admin_class):
    inlines = [*_user_admin_class.inlines, UserSessionInline]


@admin.register(SecurityEvent)
class SecurityEventAdmin(AddressSearchMixin, ReadOnlySessionMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "kind",
        "user",
        "ip_address",
        "device_name",
        "location",
    ]
    list_filter = ["kind", "location"]
    search_fields = ["user__username", "user__mobile", "ip_address", "device_name"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    fields = [
        "created_at",
        "kind",
        "user",
        "session",
        "ip_address",
        "user_agent",
        "device_name",
        "location",
        "detail",
    ]
    readonly_fields = fields
