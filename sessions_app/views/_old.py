"""Sign-in endpoints (register, login, logout, password), the session API, staff tools,
and the browser login page."""
from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.contrib.auth.views import LoginView as DjangoLoginView
from django.contrib.auth.views import LogoutView as DjangoLogoutView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_yasg.utils import swagger_auto_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import user_get_by_mobile
from accounts.selectors import user_list_for_password_reset
from accounts.serializers import (
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetRequestSerializer,
    ProfileUpdateSerializer,
    SignupSerializer,
)
from accounts.services import (
    user_change_password,
    user_send_password_reset,
    user_update_profile,
)
from config.errors import InvalidCredentials
from config.schema import error_responses
from config.throttling import ClientIPThrottle
from sessions_app import selectors, services
from sessions_app.devices import client_ip
from sessions_app.forms import BrowserLoginForm
from sessions_app.models import EndReason, LoginMethod, Transport, UserSession
from sessions_app.permissions import staff_permissions
from sessions_app.serializers import (
    CurrentUserSerializer,
    EndAllSessionsQuerySerializer,
    EndedCountSerializer,
    EndedSessionSerializer,
    LoginResponseSerializer,
    LoginSerializer,
    MessageSerializer,
    RegisterResponseSerializer,
    SecurityEventSerializer,
    SessionListQuerySerializer,
    SessionSerializer,
    StaffLookupQuerySerializer,
    StaffUserSessionsSerializer,
)
from sessions_app.throttling import (
    account_key,
    login_failure_record,
    login_failures_check,
    login_failures_clear,
)

STAFF_LOOKUP_LIMIT = 100


def _login_message(ended_count: int) -> str:
    if not ended_count:
        return _("Logged in.")
    return ngettext(
        "Logged in. %(count)d other session was ended.",
        "Logged in. %(count)d other sessions were ended.",
        ended_count,
    ) % {"count": ended_count}


def _announce_login(request: Request, started: services.SessionStart) -> None:
    # Django's and our other receivers run as for a cookie login; ours skips it.
    user = started.session.user
    user_logged_in.send(
        sender=type(user), request=request, user=user, user_session=started.session
    )


class RegisterView(APIView):
    """Create an account and sign it in with a token, shown this once."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ClientIPThrottle]

    @swagger_auto_schema(
        request_body=SignupSerializer,
        responses={201: RegisterResponseSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = SignupSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user, started = services.user_register(
            signup=serializer.validated_data,
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            ip_address=client_ip(request),
        )
        _announce_login(request, started)
        body = {"user": user, "token": started.token,
                "expires_at": started.session.expires_at, "session": started.session}
        context = {"current_session": started.session}
        return Response(
            RegisterResponseSerializer(body, context=context).data,
            status=status.HTTP_201_CREATED,
        )


class LoginView(APIView):
    """Sign in with a username or mobile number and the password; get a token.

    Under the session policy the oldest live sessions end (listed in `ended_sessions`),
    or with `ON_LIMIT=refuse_new` the login is refused with 409 unless `force` is true.
    """

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ClientIPThrottle]

    @swagger_auto_schema(
        request_body=LoginSerializer,
        responses={200: LoginResponseSerializer, **error_responses(409)},
    )
    def post(self, request: Request) -> Response:
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data.get("username"):
            credentials = {"username": data["username"]}
        else:
            credentials = {"mobile": data["mobile"].as_e164}
        account, ip = account_key(**credentials), client_ip(request)
        login_failures_check(account=account, ip=ip)
        user = authenticate(request, password=data["password"], **credentials)
        if user is None:
            login_failure_record(account=account, ip=ip, request=request)
            raise InvalidCredentials()
        login_failures_clear(account=account, ip=ip)
        started = services.session_start(
            user=user,
            transport=Transport.TOKEN,
            login_method=LoginMethod.PASSWORD_API,
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            ip_address=client_ip(request),
            force=data["force"],
        )
        _announce_login(request, started)
        body = {
            "user": user, "token": started.token, "expires_at": started.session.expires_at,
            "session": started.session, "ended_sessions": started.ended_sessions,
            "message": _login_message(len(started.ended_sessions)),
        }
        context = {"current_session": started.session}
        return Response(LoginResponseSerializer(body, context=context).data)


def end_current_session(request: Request) -> UserSession:
    """Log out the session making the request, whichever transport it uses."""
    session = request.auth
    user_logged_out.send(
        sender=type(request.user), request=request, user=request.user, user_session=session
    )
    if session.transport == Transport.COOKIE:
        request._request.session.flush()
    return session


def query_params(request: Request, serializer_class: type) -> dict:
    """Validate the query string with a serializer: a bad value is a 400 with fields."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class LogoutView(APIView):
    """End the current session; its token or cookie is refused from now on."""

    @swagger_auto_schema(request_body=None, responses={204: "Logged out."})
    def post(self, request: Request) -> Response:
        end_current_session(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """Your own account and the session making this request."""

    def _answer(self, request: Request) -> Response:
        context = {"current_session": request.auth, "request": request}
        return Response(CurrentUserSerializer(request.user, context=context).data)

    @swagger_auto_schema(responses={200: CurrentUserSerializer})
    def get(self, request: Request) -> Response:
        return self._answer(request)

    @swagger_auto_schema(
        request_body=ProfileUpdateSerializer, responses={200: CurrentUserSerializer}
    )
    def patch(self, request: Request) -> Response:
        serializer = ProfileUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user_update_profile(user=request.user, **serializer.validated_data)
        return self._answer(request)


class SessionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     viewsets.GenericViewSet):
    """Your own sessions: list them, read one, end one or all of them."""

    serializer_class = SessionSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return UserSession.objects.none()
        status_filter = "all"
        if self.action == "list":
            status_filter = query_params(self.request, SessionListQuerySerializer)["status"]
        return selectors.session_list_for_user(
            user_id=self.request.user.pk, status=status_filter
        )

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "current_session": self.request.auth}

    @swagger_auto_schema(query_serializer=SessionListQuerySerializer)
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @swagger_auto_schema(operation_id="sessions_end", responses={200: EndedSessionSerializer})
    def destroy(self, request: Request, pk=None) -> Response:
        """End one of your sessions; ending the current one is a logout."""
        session = self.get_object()
        if session.pk == request.auth.pk:
            session = end_current_session(request)
        else:
            services.session_end(session=session, reason=EndReason.TERMINATED)
        return Response({"ended_session": self.get_serializer(session).data})

    @swagger_auto_schema(
        operation_id="sessions_end_all",
        query_serializer=EndAllSessionsQuerySerializer,
        responses={200: EndedCountSerializer},
    )
    def end_all(self, request: Request) -> Response:
        """End all your other sessions, and with keep_current=false this one too."""
        keep_current = query_params(request, EndAllSessionsQuerySerializer)["keep_current"]
        ended = services.session_end_others(
            user_id=request.user.pk, keep_session_id=request.auth.pk,
            reason=EndReason.TERMINATED,
        )
        ended_count = len(ended)
        if not keep_current:
            end_current_session(request)
            ended_count += 1
        return Response({"ended_count": ended_count})


class StaffUserSessionsView(APIView):
    """Staff: look a user up by mobile number (any spelling) and list their sessions."""

    permission_classes = staff_permissions()
    always_verbose = False  # the original `/users/session/{mobile}/v/` route

    @swagger_auto_schema(
        query_serializer=StaffLookupQuerySerializer,
        responses={200: StaffUserSessionsSerializer},
    )
    def get(self, request: Request, mobile: str) -> Response:
        verbose = self.always_verbose or query_params(request, StaffLookupQuerySerializer)[
            "verbose"
        ]
        user = user_get_by_mobile(mobile)
        if user is None:
            raise NotFound(_("No user has this mobile number."))
        body = {
            "id": user.pk, "username": user.username, "mobile": user.mobile.as_e164,
            "active_sessions": selectors.session_list_for_user(user_id=user.pk),
        }
        if verbose:
            body["sessions"] = selectors.session_list_for_user(
                user_id=user.pk, status="all"
            )[:STAFF_LOOKUP_LIMIT]
        context = {"current_session": request.auth}
        return Response(StaffUserSessionsSerializer(body, context=context).data)


class StaffSessionView(APIView):
    """Staff: end anyone's session (reason `terminated_by_staff`)."""

    permission_classes = staff_permissions()

    @swagger_auto_schema(responses={200: EndedSessionSerializer})
    def delete(self, request: Request, pk) -> Response:
        session = selectors.session_get(pk)
        if session is None:
            raise NotFound()
        services.session_end(session=session, reason=EndReason.TERMINATED_BY_STAFF)
        context = {"current_session": request.auth}
        return Response({"ended_session": SessionSerializer(session, context=context).data})


class PasswordChangeView(APIView):
    """Change the password; every other session ends, this one stays signed in."""

    throttle_classes = [ClientIPThrottle]

    @swagger_auto_schema(
        request_body=PasswordChangeSerializer,
        responses={200: EndedCountSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordChangeSerializer(
            data=request.data, context={"user": request.user}
        )
        serializer.is_valid(raise_exception=True)
        session = request.auth
        others = selectors.session_list_live(user_id=request.user.pk).exclude(pk=session.pk)
        ended_count = others.count()
        user_change_password(
            user=request.user,
            new_password=serializer.validated_data["new_password"],
            keep_session_id=session.pk,
        )
        if session.transport == Transport.COOKIE:
            update_session_auth_hash(request._request, request.user)  # rotates the key
            services.session_rekey(
                session=session, session_key=request._request.session.session_key
            )
        return Response({"ended_count": ended_count})


class PasswordResetView(APIView):
    """Email a one-time password-reset link; the answer is the same for any address."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ClientIPThrottle]

    @swagger_auto_schema(
        request_body=PasswordResetRequestSerializer, responses={200: MessageSerializer}
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordResetRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        confirm_url = request.build_absolute_uri(reverse("sessions:password-reset-confirm"))
        for user in user_list_for_password_reset(serializer.validated_data["email"]):
            user_send_password_reset(user=user, confirm_url=confirm_url)
        return Response({"detail": _(
            "If an account has this email address, a reset link is on its way."
        )})


class PasswordResetConfirmView(APIView):
    """Set a new password with the uid and token from the reset email; every session ends."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ClientIPThrottle]

    @swagger_auto_schema(
        request_body=PasswordResetConfirmSerializer, responses={200: EndedCountSerializer}
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordResetConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        ended_count = selectors.session_list_live(user_id=user.pk).count()
        user_change_password(
            user=user, new_password=serializer.validated_data["new_password"]
        )
        return Response({"ended_count": ended_count})


class SecurityEventViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your account's security events, newest first."""

    serializer_class = SecurityEventSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SecurityEventSerializer.Meta.model.objects.none()
        return selectors.security_event_list_for_user(user_id=self.request.user.pk)


class BrowserLoginView(DjangoLoginView):
    """The browsable API's login page, refusing politely under `ON_LIMIT=refuse_new`."""

    template_name = "rest_framework/login.html"
    authentication_form = BrowserLoginForm


class BrowserLogoutView(DjangoLogoutView):
    """Log out on POST; a GET (a link, e.g. Swagger UI's) asks first, as logout needs CSRF."""

    http_method_names = ["get", "post", "options"]
    next_page = "rest_framework:login"  # not the admin's "logged out" page

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        next_url = request.GET.get("next", "")
        return render(request, "sessions_app/logout_confirm.html", {"next": next_url})
