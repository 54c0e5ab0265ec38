from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(
        self,
        email: str,
        password: str | None = None,
        *,
        email_verified: bool = False,
        **extra: Any,
    ) -> User:
        if not email:
            raise ValueError("An email address is required")
        from allauth.account.models import EmailAddress

        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        # allauth keeps one row per address, with whether it is confirmed. Made here, with
        # the user, so no page has to create it later on a GET; unconfirmed until the
        # person (or, for demo data, the caller) confirms it.
        EmailAddress.objects.using(self._db).create(
            user=user, email=user.email, primary=True, verified=email_verified
        )
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with a login: an organiser, a moderator or an administrator.

    Signers never need an account; their signatures are keyed by email address.
    """

    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name or self.email
