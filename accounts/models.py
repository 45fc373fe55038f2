from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models

from core.ids import uuid7
from core.permissions import Role


class StaffManager(BaseUserManager):
    def get_by_natural_key(self, username):
        # Email addresses are matched without regard to case at sign-in.
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})

    def create_user(self, email, password=None, **fields):
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user


class User(AbstractUser):
    """A member of staff. Every account belongs to one organisation with one role."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    username = None
    first_name = None
    last_name = None
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150)
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="staff"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    job_title = models.CharField(max_length=100, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]
    objects = StaffManager()

    class Meta:
        ordering = ["full_name"]
        indexes = [models.Index(fields=["organisation", "role"], name="user_org_role")]

    def __str__(self):
        return self.full_name

    @property
    def area(self):
        return self.organisation.area

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0]


class SignInAttempt(models.Model):
    """Failed and successful sign-ins, to slow down password guessing."""

    id = models.BigAutoField(primary_key=True)
    email = models.CharField(max_length=254)
    at = models.DateTimeField(auto_now_add=True)
    succeeded = models.BooleanField()

    class Meta:
        indexes = [models.Index(fields=["email", "at"], name="signin_email_at")]

    def __str__(self):
        return f"{self.email} {'succeeded' if self.succeeded else 'failed'} at {self.at}"
