"""The platform core: the custom user, shared taxonomies, the availability flags and the
outgoing-mail record."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class AvailabilityFlag(models.TextChoices):
    """The times of the week someone can help or meet, or an opportunity needs people: the
    days (weekdays; weekends and holidays) and the times of day (daytime; evening).  Each
    value is a boolean field of ``AvailabilityFields``; the labels are for forms."""

    WEEKDAYS = "weekdays", _("Weekdays")
    WEEKENDS = "weekends", _("Weekends and holidays")
    DAYTIME = "daytime", _("Daytime")
    EVENING = "evening", _("Evening")


# The field names as plain strings.
DAY_FLAGS = (AvailabilityFlag.WEEKDAYS.value, AvailabilityFlag.WEEKENDS.value)
TIME_FLAGS = (AvailabilityFlag.DAYTIME.value, AvailabilityFlag.EVENING.value)
AVAILABILITY_FLAGS = (*DAY_FLAGS, *TIME_FLAGS)


class AvailabilityFields(models.Model):
    """When: one flag per ``AvailabilityFlag``, shared by volunteers, mentors and mentees and
    volunteer opportunities so they can be matched with each other."""

    weekdays = models.BooleanField(_("weekdays"), default=False)
    weekends = models.BooleanField(_("weekends and holidays"), default=False)
    daytime = models.BooleanField(_("daytime"), default=False)
    evening = models.BooleanField(_("evening"), default=False)

    class Meta:
        abstract = True

    @property
    def availability_labels(self) -> list[str]:
        """The ticked flags in words (the fields' verbose names), e.g. ["weekdays", "evening"]."""
        return [
            str(self._meta.get_field(flag).verbose_name)
            for flag in AVAILABILITY_FLAGS
            if getattr(self, flag)
        ]

    @property
    def slots(self) -> set[tuple[str, str]]:
        """Every (day, time of day) both ticked, e.g. {("weekdays", "evening")}."""
        days = [day for day in DAY_FLAGS if getattr(self, day)]
        times = [time for time in TIME_FLAGS if getattr(self, time)]
        return {(day, time) for day in days for time in times}


class BilingualNameModel(models.Model):
    """A taxonomy term with a Japanese name (shown by default) and an English name for /en/."""

    name = models.CharField(_("name (Japanese)"), max_length=100, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        abstract = True
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if translation.get_language() == "en" and self.name_en:
            return self.name_en
        return self.name


class Field(BilingualNameModel):
    """A field of activity (分野) from the prefecture's platform document, e.g. 防災 or 子育て."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)

    class Meta(BilingualNameModel.Meta):
        verbose_name = _("field")
        verbose_name_plural = _("fields")


class Profession(BilingualNameModel):
    """A supporter's profession (職種), used for multi-profession training and mentoring."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)

    class Meta(BilingualNameModel.Meta):
        verbose_name = _("profession")
        verbose_name_plural = _("professions")


class OrganisationGroup(BilingualNameModel):
    """One of the five groups of member organisations in the platform document (e.g. 民間企業)."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)

    class Meta(BilingualNameModel.Meta):
        verbose_name = _("organisation group")
        verbose_name_plural = _("organisation groups")


class OrganisationType(BilingualNameModel):
    """A type of organisation within a group (e.g. 社会福祉協議会 within 当事者支援を行う民間団体)."""

    group = models.ForeignKey(
        OrganisationGroup,
        on_delete=models.PROTECT,
        related_name="types",
        verbose_name=_("group"),
    )

    class Meta(BilingualNameModel.Meta):
        verbose_name = _("organisation type")
        verbose_name_plural = _("organisation types")


class MunicipalityKind(models.TextChoices):
    CITY = "city", _("City")
    TOWN = "town", _("Town")
    WARD = "ward", _("Ward")
    OUTSIDE = "outside", _("Outside Hyogo")


class Municipality(models.Model):
    """A municipality of Hyogo (市町) with its local-government code; Kobe's wards are children.

    ``code`` is the six-digit 全国地方公共団体コード (with check digit); "outside Hyogo" has none.
    """

    code = models.CharField(
        _("local government code"), max_length=6, unique=True, blank=True, null=True
    )
    name = models.CharField(_("name (Japanese)"), max_length=50)
    name_kana = models.CharField(_("name (kana)"), max_length=50, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=50, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=MunicipalityKind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="wards",
        verbose_name=_("parent city"),
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["sort_order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"], name="lms_municipality_unique_name_in_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        name = self.name_en if translation.get_language() == "en" and self.name_en else self.name
        if self.parent_id and self.kind == MunicipalityKind.WARD:
            parent = self.parent
            parent_name = (
                parent.name_en
                if translation.get_language() == "en" and parent.name_en
                else parent.name
            )
            return f"{parent_name} {name}"
        return name


class PreferredLanguage(models.TextChoices):
    JA = "ja", "日本語"
    EN = "en", "English"


class UserManager(BaseUserManager):
    """Users log in with their email address; there is no username."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        email = self.normalize_email(email).lower()
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person on the platform: supporter, resident volunteer, mentor or staff.

    Names are one field each (氏名 and ふりがな) because Japanese names do not split cleanly
    into given/family name for every person; ``first_name``/``last_name`` stay empty.
    """

    username = None
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    full_name_kana = models.CharField(
        _("full name in kana"),
        max_length=100,
        blank=True,
        help_text=_("In hiragana, e.g. ひょうご はなこ"),
    )
    profession = models.ForeignKey(
        Profession,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("profession"),
    )
    organisation_name = models.CharField(_("organisation"), max_length=150, blank=True)
    # The kind of organisation (the platform's five groups), so joint training can mix them.
    organisation_group = models.ForeignKey(
        OrganisationGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("kind of organisation"),
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("municipality"),
    )
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=5,
        choices=PreferredLanguage.choices,
        default=PreferredLanguage.JA,
    )
    privacy_policy_version = models.CharField(
        _("privacy policy version agreed to"), max_length=20, blank=True
    )
    privacy_consented_at = models.DateTimeField(
        _("privacy consent given at"), null=True, blank=True
    )
    # Withdrawal anonymises the account rather than deleting it (like Open edX's retirement):
    # name and contact go, the anonymous row keeps attendance counts and learning hours.
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True, editable=False)
    # When anything of the account last changed, set by every save (see ``save``): lists kept
    # whole while nothing they show changed (a session's roster) are named by it.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name_kana", "email"]
        indexes = [
            # Staff are listed in the order people are (coordinator selects and filters):
            # fifty among fifty thousand, found without reading every account (issue #9).
            models.Index(
                fields=["full_name_kana", "email"],
                condition=models.Q(is_staff=True, is_active=True),
                name="lms_user_staff_by_name",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name()

    def save(self, *args, **kwargs) -> None:
        """Saving some fields only (allauth's change of address) stamps ``updated_at`` too:
        ``auto_now`` alone is written only when the field is listed, or read (an account
        read with ``only()``).  The last login alone is not a change of what anyone is shown.
        (Rows loaded raw, as fixtures are, must carry their own ``updated_at``.)"""
        update_fields = kwargs.get("update_fields")
        if update_fields is None or set(update_fields) - {"last_login"}:
            self.updated_at = timezone.now()  # read now, if it was left unread
            if update_fields:
                kwargs["update_fields"] = {*update_fields, "updated_at"}
        super().save(*args, **kwargs)

    # What ``get_full_name`` reads, for lists that read people as plain values.
    NAME_FIELDS = ("full_name", "email", "withdrawn_at")

    @staticmethod
    def name_shown(full_name: str, email: str, withdrawn_at) -> str:
        """``get_full_name`` from the plain values of ``NAME_FIELDS``."""
        if withdrawn_at:
            return str(_("(withdrawn)"))
        return full_name or email

    def get_full_name(self) -> str:
        return self.name_shown(self.full_name, self.email, self.withdrawn_at)

    def get_short_name(self) -> str:
        return self.get_full_name()


class OutboundEmailStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboundEmail(TimeStampedModel):
    """Every email the platform sends, rendered once in the recipient's language.

    The row is the source of truth for delivery: a worker sends it and records the outcome,
    so a failure is visible to staff and retried, never silently lost.
    """

    recipient = models.EmailField(_("recipient"))
    template = models.CharField(_("template"), max_length=200)
    language = models.CharField(_("language"), max_length=5, default="ja")
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField(_("body (text)"))
    body_html = models.TextField(_("body (HTML)"), blank=True)
    # An iTIP invite sent as a text/calendar part (issue #6): the .ics text and its METHOD.
    calendar = models.TextField(_("calendar invite"), blank=True)
    calendar_method = models.CharField(_("calendar method"), max_length=10, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=OutboundEmailStatus.choices,
        default=OutboundEmailStatus.QUEUED,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    claimed_at = models.DateTimeField(_("claimed by a worker at"), null=True, blank=True)
    # After a failure: the retry job leaves the message alone until then (backoff), so an SMTP
    # outage is not hammered and the attempts last long enough for the server to come back.
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "attempts"], name="lms_outboundemail_status_idx")]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.subject}"


class CalendarFeed(models.Model):
    """A person's private calendar subscription (issue #6).  The token is the only key to the
    feed, independent of the password: regenerating it makes the old URL stop working."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_feed",
        verbose_name=_("person"),
    )
    token = models.CharField(_("token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user}"


class RateLimitCounter(models.Model):
    """One rate-limit counter (``lms.ratelimit``) when there is no Redis: a row per key, counted
    by a single upsert instead of the several statements a database cache needs.  Rows past
    ``expires_at`` count as absent and are deleted by a periodic job.  The key is the primary
    key: the upsert then needs no extra unique index and burns no sequence number per hit."""

    key = models.CharField(_("key"), max_length=255, primary_key=True)
    count = models.PositiveIntegerField(_("count"), default=0)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("rate-limit counter")
        verbose_name_plural = _("rate-limit counters")

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
