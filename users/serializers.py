from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coach.api.fields import StrictCharField, StrictModelSerializer
from users import selectors, services, validators
from users.models import User, WeightEntry


class WeightEntrySerializer(StrictModelSerializer):
    class Meta:
        model = WeightEntry
        fields = ["id", "weight_kg", "measured_at"]
        read_only_fields = ["id"]
        extra_kwargs = {
            "measured_at": {
                "required": False,
                "help_text": "When the weight was measured; now by default.",
            },
            "weight_kg": {
                "min_value": validators.MIN_WEIGHT_KG,
                "max_value": validators.MAX_WEIGHT_KG,
            },
        }


class ProfileSerializer(StrictModelSerializer):
    age = serializers.SerializerMethodField(help_text="Whole years, from birth_date.")
    weight_kg = serializers.SerializerMethodField(
        help_text="Current weight: the latest weight entry, or null when there is none."
    )

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "display_name",
            "sex",
            "birth_date",
            "age",
            "height_cm",
            "units",
            "weight_kg",
            "video_retention_days",
            "date_joined",
        ]
        read_only_fields = ["id", "email", "date_joined"]
        extra_kwargs = {
            "height_cm": {
                "min_value": validators.MIN_HEIGHT_CM,
                "max_value": validators.MAX_HEIGHT_CM,
            },
            "birth_date": {"help_text": "Gives an age between 10 and 110 years."},
        }

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_age(self, user) -> int | None:
        return user.age_on(timezone.localdate())

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_weight_kg(self, user) -> float | None:
        entry = selectors.weight_at(user=user)
        return entry.weight_kg if entry else None


class CredentialsSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = StrictCharField(max_length=128, write_only=True, style={"input_type": "password"})


class SignupSerializer(CredentialsSerializer):
    display_name = StrictCharField(max_length=100, required=False, allow_blank=True)

    def validate_email(self, email):
        if services.user_email_is_taken(email):
            raise serializers.ValidationError(services.EMAIL_TAKEN_MESSAGE, code="unique")
        return email


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class SignupResponseSerializer(serializers.Serializer):
    user = ProfileSerializer()
    tokens = TokenPairSerializer()


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="A JWT refresh token to revoke (mobile clients).",
    )


class PasswordChangeSerializer(serializers.Serializer):
    current_password = serializers.CharField(max_length=128, style={"input_type": "password"})
    new_password = serializers.CharField(max_length=128, style={"input_type": "password"})

    def validate_current_password(self, value):
        if not self.context["request"].user.check_password(value):
            raise serializers.ValidationError("The current password is wrong.", code="invalid")
        return value


class PasswordResetRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = StrictCharField(max_length=64, help_text="From the reset e-mail.")
    token = StrictCharField(max_length=128, help_text="From the reset e-mail.")
    new_password = StrictCharField(max_length=128, style={"input_type": "password"})


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class CsrfTokenSerializer(serializers.Serializer):
    csrf_token = serializers.CharField()


class ExportSerializer(serializers.Serializer):
    exported_at = serializers.DateTimeField()
    profile = ProfileSerializer()
    weights = WeightEntrySerializer(many=True)
    sessions = serializers.ListField(
        child=serializers.DictField(), help_text="Workout sessions with bouts and full results."
    )
