"""Tenants (municipalities), their organisational units, people and roles, and the audit log."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Land(models.TextChoices):
    BW = "Baden-Württemberg", "Baden-Württemberg"
    BY = "Bayern", "Bayern"
    BE = "Berlin", "Berlin"
    BB = "Brandenburg", "Brandenburg"
    HB = "Bremen", "Bremen"
    HH = "Hamburg", "Hamburg"
    HE = "Hessen", "Hessen"
    MV = "Mecklenburg-Vorpommern", "Mecklenburg-Vorpommern"
    NI = "Niedersachsen", "Niedersachsen"
    NW = "Nordrhein-Westfalen", "Nordrhein-Westfalen"
    RP = "Rheinland-Pfalz", "Rheinland-Pfalz"
    SL = "Saarland", "Saarland"
    SN = "Sachsen", "Sachsen"
    ST = "Sachsen-Anhalt", "Sachsen-Anhalt"
    SH = "Schleswig-Holstein", "Schleswig-Holstein"
    TH = "Thüringen", "Thüringen"


ags_validator = RegexValidator(
    r"^\d{8}$",
    _("Der Amtliche Gemeindeschlüssel (AGS) besteht aus genau 8 Ziffern."),
    code="ags_format",
)


class Municipality(models.Model):
    """A Kommune: the tenant. Every other row in Digilotse belongs to exactly one."""

    name = models.CharField(_("Name"), max_length=200)
    slug = models.SlugField(_("Kurzname in Adressen"), max_length=60, unique=True)
    ags = models.CharField(
        _("Amtlicher Gemeindeschlüssel (AGS)"),
        max_length=8,
        validators=[ags_validator],
        help_text=_("8-stellig, aus dem Gemeindeverzeichnis von Destatis."),
    )
    population = models.PositiveIntegerField(_("Einwohnerzahl"), null=True, blank=True)
    land = models.CharField(_("Bundesland"), max_length=40, choices=Land.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Kommune")
        verbose_name_plural = _("Kommunen")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TenantModel(models.Model):
    """Base for every row that belongs to a municipality; queries filter on `municipality`."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="+", verbose_name=_("Kommune")
    )

    class Meta:
        abstract = True


class OrgUnitKind(models.TextChoices):
    DEPARTMENT = "department", _("Fachbereich / Amt")
    STAFF_UNIT = "staff_unit", _("Stabsstelle")
    MUNICIPAL_COMPANY = "municipal_company", _("Kommunales Unternehmen")
    EXTERNAL_PARTNER = "external_partner", _("Externer Partner")


class OrgUnit(TenantModel):
    """A department, staff unit, municipal company (Stadtwerke, Klinikum …) or external partner."""

    name = models.CharField(_("Name"), max_length=200)
    short_name = models.CharField(_("Kürzel"), max_length=20, blank=True)
    kind = models.CharField(_("Art"), max_length=30, choices=OrgUnitKind.choices)
    vision = models.TextField(_("Vision"), blank=True)
    mission = models.TextField(_("Mission"), blank=True)

    class Meta:
        verbose_name = _("Organisationseinheit")
        verbose_name_plural = _("Organisationseinheiten")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="orgunit_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> User:
        # People type their address with capitals now and then; e-mail is case-insensitive here.
        return self.get(email__iexact=username)

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create(email, password, **extra)


class User(AbstractUser):
    """A person who signs in with an e-mail address. Roles live on Membership, per municipality."""

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("E-Mail-Adresse"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("Person")
        verbose_name_plural = _("Personen")
        ordering = ["last_name", "first_name", "email"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email


class Role(models.TextChoices):
    CDO = "cdo", _("CDO (Administration)")
    IT_LEAD = "it_lead", _("IT-Leitung")
    PROJECT_MANAGER = "project_manager", _("Projektleitung")
    EVALUATOR = "evaluator", _("Bewertung")
    COMMITTEE = "committee", _("Ausschussmitglied")
    VIEWER = "viewer", _("Lesezugriff")


class Membership(TenantModel):
    """One person's role in one municipality. One installation serves many municipalities."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("Person")
    )
    role = models.CharField(_("Rolle"), max_length=30, choices=Role.choices)
    org_unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("Organisationseinheit"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Mitgliedschaft")
        verbose_name_plural = _("Mitgliedschaften")
        ordering = ["user__last_name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "municipality"], name="membership_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()}"


class AuditAction(models.TextChoices):
    CREATE = "create", _("angelegt")
    UPDATE = "update", _("geändert")
    DELETE = "delete", _("gelöscht")
    TRANSITION = "transition", _("Status geändert")
    IMPORT = "import", _("importiert")


class AuditEntry(TenantModel):
    """Who changed what, when. Written by services in the same transaction as the change."""

    created_at = models.DateTimeField(_("Zeitpunkt"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The actor's address is kept as text so the log stays readable after the account is removed.
    actor_label = models.CharField(_("Person"), max_length=254, blank=True)
    action = models.CharField(_("Aktion"), max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(_("Objektart"), max_length=60)
    object_id = models.CharField(max_length=40, blank=True)
    object_repr = models.CharField(_("Objekt"), max_length=300)
    changes = models.JSONField(_("Änderungen"), default=dict, blank=True)

    class Meta:
        verbose_name = _("Protokolleintrag")
        verbose_name_plural = _("Protokolleinträge")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["municipality", "-created_at"])]

    def __str__(self) -> str:
        return (
            f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"
        )
