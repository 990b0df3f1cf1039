"""Authenticate by username (any case) or by mobile number (any spelling); a login
form's one field may hold either."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from accounts.models import User
from accounts.selectors import (
    normalize_mobile,
    user_get_by_mobile,
    user_get_by_username,
)


class UsernameOrMobileBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        mobile: str | None = None,
        account: User | None = None,
        **kwargs: Any,
    ) -> User | None:
        """Check the password of the account the username or mobile names.

        `account`, when the caller already looked that account up (the sign-in views
        do, for the guessing limits), saves reading it a second time.
        """
        if account is not None:
            if password is not None and account.check_password(password):
                return account if self.user_can_authenticate(account) else None
            return None
        if mobile is None and username is not None:
            if normalize_mobile(username) and user_get_by_username(username) is None:
                mobile = username  # a login form's one field takes a number too
        if mobile is None:
            return super().authenticate(
                request, username=username, password=password, **kwargs
            )
        if password is None:
            return None
        user = user_get_by_mobile(str(mobile))
        if user is None:
            User().set_password(password)  # same work as for a known number
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
