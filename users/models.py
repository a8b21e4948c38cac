from datetime import date

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from users import validators
from users.managers import UserManager, normalize_email_address


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    UNSPECIFIED = "unspecified", "Unspecified"


class Units(models.TextChoices):
    """Display preference only: the API always stores and returns SI units."""

    METRIC = "metric", "Metric"
    IMPERIAL = "imperial", "Imperial"


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("e-mail address", max_length=254, unique=True)
    display_name = models.CharField(max_length=100, blank=True)
    sex = models.CharField(max_length=16, choices=Sex.choices, default=Sex.UNSPECIFIED)
    birth_date = models.DateField(
        null=True, blank=True, validators=[validators.validate_birth_date]
    )
    height_cm = models.FloatField(null=True, blank=True, validators=[validators.validate_height_cm])
    units = models.CharField(max_length=16, choices=Units.choices, default=Units.METRIC)
    video_retention_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(3650)],
        help_text="Delete workout videos this many days after upload (0: as soon as they are "
        "analysed; null: keep them). Analysed results are always kept.",
    )
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="users_user_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(height_cm__isnull=True)
                | models.Q(
                    height_cm__gte=validators.MIN_HEIGHT_CM,
                    height_cm__lte=validators.MAX_HEIGHT_CM,
                ),
                name="users_user_height_plausible",
            ),
        ]

    def __str__(self):
        return self.email

    def clean(self):
        super().clean()
        self.email = normalize_email_address(self.email)

    def age_on(self, day: date) -> int | None:
        return validators.age_in_years(self.birth_date, day) if self.birth_date else None


class WeightEntry(models.Model):
    """One body-weight reading. The weight in effect at time T is the latest at or before T."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="weight_entries")
    weight_kg = models.FloatField(validators=[validators.validate_weight_kg])
    measured_at = models.DateTimeField(
        default=timezone.now, validators=[validators.validate_not_in_future]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-measured_at", "-id"]
        verbose_name_plural = "weight entries"
        indexes = [models.Index(fields=["user", "-measured_at"], name="users_weight_user_time")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    weight_kg__gte=validators.MIN_WEIGHT_KG,
                    weight_kg__lte=validators.MAX_WEIGHT_KG,
                ),
                name="users_weight_plausible",
            ),
        ]

    def __str__(self):
        return f"{self.weight_kg:g} kg at {self.measured_at:%Y-%m-%d %H:%M}"


class ChangeStamp(models.Model):
    """A value renewed by database triggers whenever the user's sessions, bouts or body
    metrics change (users.change_stamps), so a client's copy can be checked cheaply.

    Keyed by the user's id without a foreign key: the triggers write it while a deletion
    cascades through the user's rows, and delete it with the user row itself."""

    user_id = models.BigIntegerField(primary_key=True)
    value = models.CharField(max_length=36)

    def __str__(self):
        return f"user {self.user_id}: {self.value}"
