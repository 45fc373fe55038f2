from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models

from accounts.identifiers import normalise_email
from core.ids import uuid7
from core.permissions import Role


class StaffManager(BaseUserManager):
    @classmethod
    def normalize_email(cls, email):
        # Stored and looked up in the one normal form that sign-in limits also count by.
        return normalise_email(email)

    def get_by_natural_key(self, username):
        return self.get(**{self.model.USERNAME_FIELD: normalise_email(username)})

    def find(self, email: str):
        """The account an email address typed at sign-in belongs to, or None."""
        return self.filter(email=normalise_email(email)).first()

    def create_user(self, email, password=None, **fields):
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user


class SwitchedOffReason(models.TextChoices):
    LEFT = "left", "Switched off by an administrator"
    UNUSED = "unused", "Not used for 90 days"


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
    # Demo accounts (made by the nonprod loader) may sign in without a second factor; only
    # an installation with LINKWORK_NONPROD honours it. Production never makes one.
    is_demo = models.BooleanField(default=False)
    # The account's lifecycle (accounts/actions.py: switch_off_account, switch_on_account,
    # review_unused_accounts). `is_active` says whether it can sign in; every session carries
    # the generation it was signed in under, and a session of an older one is signed out on
    # its next request (accounts.middleware.SessionGenerationMiddleware), so bumping it ends
    # every session at once.
    session_generation = models.PositiveIntegerField(default=0)
    switched_off_at = models.DateTimeField(null=True, blank=True)
    switched_off_reason = models.CharField(
        max_length=10, choices=SwitchedOffReason.choices, blank=True
    )
    # Switching back on counts as use: the 90-day clock starts again from here.
    switched_on_at = models.DateTimeField(null=True, blank=True)
    # When the area's administrators were told this unused account would be switched off;
    # a sign-in or switching on after it makes it stale.
    unused_warning_at = models.DateTimeField(null=True, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]
    objects = StaffManager()

    class Meta:
        ordering = ["full_name"]
        indexes = [models.Index(fields=["organisation", "role"], name="user_org_role")]

    def __str__(self):
        return self.full_name

    def save(self, *args, **kwargs):
        # However the account was made, its address is stored in the one normal form.
        self.email = normalise_email(self.email)
        super().save(*args, **kwargs)

    @property
    def area(self):
        return self.organisation.area

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0]


class SignInAttempt(models.Model):
    """One try at signing in, written (and committed) before the password is checked, so
    that parallel tries count each other: see `accounts/throttle.py` and ADR 0006."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "Being checked"
        FAILED = "failed", "Wrong email address or password"
        SUCCEEDED = "succeeded", "Signed in"
        REFUSED = "refused", "Refused: too many failures"

    id = models.BigAutoField(primary_key=True)
    # The normalised email address typed, whether or not an account has it.
    email = models.CharField(max_length=254)
    at = models.DateTimeField(auto_now_add=True)
    # The client's network address (core.client_address), "" when unknown.
    address = models.CharField(max_length=45, blank=True)
    # Set when the browser showed a valid device cookie for this account (accounts/devices.py).
    device = models.CharField(max_length=32, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)

    class Meta:
        indexes = [
            models.Index(fields=["email", "at"], name="signin_email_at"),
            models.Index(fields=["address", "at"], name="signin_address_at"),
            models.Index(fields=["at"], name="signin_at"),
        ]

    def __str__(self):
        return f"{self.email} {self.outcome} at {self.at}"


class SetUpLink(models.Model):
    """A one-time link that lets a new administrator choose a password (made by
    `create_admin` and by a system administrator for an area's service administrator).

    Only a hash of the token is kept, so a copy of the database cannot be used to take over
    an account; the link works once, within `accounts.setup.SET_UP_LINK_LIFETIME`."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="set_up_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # Superseded by a newer link, or switched off: never usable again.
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "used_at"], name="setup_link_user_used")]

    def __str__(self):
        return f"Set-up link for {self.user} until {self.expires_at}"


class Invitation(models.Model):
    """An invitation to a member of staff (`accounts/invitations.py`): the account it made
    (which has no usable password until the person follows the link) and the set-up link
    that was emailed to them. Resending replaces the link; the old one stops working.

    Expired is not stored: it is a pending invitation whose link's time has passed."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be accepted"
        ACCEPTED = "accepted", "Accepted"
        CANCELLED = "cancelled", "Cancelled"

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invited_at = models.DateTimeField()
    # The link last emailed, and when it stops working (kept here so lists need no join).
    link = models.ForeignKey(
        SetUpLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    times_sent = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    status_at = models.DateTimeField()

    class Meta:
        ordering = ["-invited_at"]
        constraints = [
            # However many administrators press "Invite" at once, one invitation waits.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="pending"),
                name="one_pending_invitation_per_account",
            )
        ]
        indexes = [models.Index(fields=["status", "expires_at"], name="invitation_status")]

    def __str__(self):
        return f"Invitation for {self.user} ({self.status})"


# Single sign-on (accounts/oidc/): its models belong to this app.
from accounts.oidc.models import SingleSignOnIdentity, SingleSignOnProvider  # noqa: E402, F401
