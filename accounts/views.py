"""User endpoints: the users list and signup."""

from django.db.models import QuerySet
from drf_yasg.utils import swagger_auto_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from accounts import selectors, services
from accounts.models import User
from accounts.serializers import (
    SignupSerializer,
    StaffUserListSerializer,
    UserListSerializer,
    UserSerializer,
)
from config.api_views import PublicAPIView


class UserListView(generics.ListAPIView):
    """List users; staff also see mobile number, email and status."""

    def get_queryset(self) -> QuerySet[User]:
        is_staff = self.request.user.is_staff
        return selectors.user_list(include_inactive=is_staff)

    def get_serializer_class(self) -> type[BaseSerializer]:
        if getattr(self, "swagger_fake_view", False) or not self.request.user.is_staff:
            return UserListSerializer
        return StaffUserListSerializer


class SignupView(PublicAPIView, generics.GenericAPIView):
    """Create an account; no session is started (log in afterwards)."""

    serializer_class = SignupSerializer

    @swagger_auto_schema(responses={201: UserSerializer})
    def post(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_signup(**serializer.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)
