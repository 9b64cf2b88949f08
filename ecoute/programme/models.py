"""The prevention programme: trainings, JADES days, eJADES sessions, the conference, and who registered.

An event's places are held by its registrations in the states of HOLDING_STATES; the rules that
move them (capacity, waiting list, offers, overbooking) are in actions.py, nowhere else.
"""

import secrets

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecoute.lib.crypto import EncryptedTextField


class Kind(models.TextChoices):
    FORMATION = "formation", _("Formation")
    JADES = "jades", _("Journée JADES")
    EJADES = "ejades", _("Atelier eJADES (en ligne)")
    COLLOQUE = "colloque", _("Colloque national")


class Event(models.Model):
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("titre"), max_length=200)
    theme = models.CharField(_("thème"), max_length=200, blank=True)
    description = models.TextField(_("programme"), blank=True)
    speakers = models.TextField(_("formateurs, intervenants"), blank=True, help_text=_("Un nom par ligne."))
    online = models.BooleanField(_("en ligne"), default=False)
    city = models.CharField(_("ville"), max_length=100, blank=True)
    region = models.CharField(_("région"), max_length=100, blank=True)
    venue = models.CharField(_("lieu"), max_length=300, blank=True, help_text=_("Établissement et adresse."))
    # The venue's exact position on the map (place.py); none: the city's town hall stands for it.
    venue_latitude = models.FloatField(_("latitude du lieu"), null=True, blank=True)
    venue_longitude = models.FloatField(_("longitude du lieu"), null=True, blank=True)
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    capacity = models.PositiveIntegerField(_("places"))
    # Free events only: places offered beyond capacity, in percent, because many who register for free
    # do not come; the J-2 confirmation releases the places of those who do not confirm.
    overbooking_percent = models.PositiveSmallIntegerField(_("surréservation (%)"), default=0)
    price = models.DecimalField(_("prix (€)"), max_digits=7, decimal_places=2, default=0)
    free_for_members = models.BooleanField(_("gratuit pour les adhérents"), default=True)
    dpc_reference = models.CharField(
        _("référence de l'action DPC"),
        max_length=11,
        blank=True,
        validators=[RegexValidator(r"^\d{11}$", _("Une référence DPC a 11 chiffres."))],
    )
    # Sent to registrants shortly before an online session, never shown on a page.
    join_url = models.URLField(_("lien de connexion (jamais publié)"), blank=True)
    published = models.BooleanField(_("publié"), default=False)
    cancelled_at = models.DateTimeField(_("annulé le"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # A session of a series (series.py): the start its rule gives it, kept when staff move it (the
    # calendar's RECURRENCE-ID says which occurrence was moved).
    series = models.ForeignKey(
        "Series",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions",
        verbose_name=_("série"),
    )
    occurrence = models.DateTimeField(_("date prévue par la série"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("événement")
        verbose_name_plural = _("événements")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"
            ),
            models.UniqueConstraint(fields=["series", "occurrence"], name="one_session_per_occurrence"),
        ]

    def __str__(self) -> str:
        return f"{self.title} — {timezone.localtime(self.starts_at):%d/%m/%Y}"

    @property
    def is_free(self) -> bool:
        return self.price == 0

    def clean(self):
        from django.core.exceptions import ValidationError

        from .place import in_france

        latitude, longitude = self.venue_latitude, self.venue_longitude
        if (latitude is None) != (longitude is None):
            raise ValidationError(
                {"venue_latitude": _("La position du lieu a besoin d'une latitude et d'une longitude.")}
            )
        if latitude is not None and not in_france(latitude, longitude):
            raise ValidationError(
                {
                    "venue_latitude": _(
                        "Cette position n'est ni en France métropolitaine ni dans un département d'outre-mer : "
                        "vérifiez la latitude (nord-sud, 41 à 51 en métropole) et la longitude (ouest-est)."
                    )
                }
            )

    @property
    def place_limit(self) -> int:
        """Places that may be held at once: capacity, plus the overbooking of a free event."""
        if not self.is_free:
            return self.capacity
        return self.capacity + self.capacity * self.overbooking_percent // 100

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    def speaker_list(self) -> list[str]:
        return [line.strip() for line in self.speakers.splitlines() if line.strip()]


class Series(models.Model):
    """Sessions repeated by a rule (eJADES at 12:30 every Tuesday and Thursday for ten weeks).

    The rule is an RFC 5545 RRULE (FREQ=WEEKLY;BYDAY=TU,TH;COUNT=20), in Paris time from FIRST_START:
    12:30 stays 12:30 across the change to summer time. The sessions are copies of TEMPLATE made by
    series.generate(); each is an Event that staff may move, edit or cancel on its own.
    """

    title = models.CharField(_("titre"), max_length=200)
    template = models.ForeignKey(
        Event,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("séance modèle"),
        help_text=_("Ses places, son programme, son type et sa durée sont copiés dans chaque séance."),
    )
    first_start = models.DateTimeField(_("première séance"))
    rule = models.CharField(
        _("règle de récurrence"),
        max_length=200,
        help_text=_(
            "Au format iCalendar (RRULE), avec un nombre de séances (COUNT) ou une fin (UNTIL). "
            "Exemple : FREQ=WEEKLY;BYDAY=TU,TH;COUNT=20 (mardi et jeudi, dix semaines)."
        ),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("série de séances")
        verbose_name_plural = _("séries de séances")
        ordering = ["-first_start", "pk"]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        from django.core.exceptions import ValidationError

        from .series import RuleProblem, occurrences

        if self.first_start and self.rule:
            try:
                occurrences(self.rule, self.first_start)
            except RuleProblem as problem:
                raise ValidationError({"rule": str(problem)}) from None


class Slot(models.Model):
    """A time slot of an event (a half-day of a training, a round of JADES workshops)."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="slots", verbose_name=_("événement")
    )
    label = models.CharField(_("intitulé"), max_length=120)
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))

    class Meta:
        verbose_name = _("créneau")
        verbose_name_plural = _("créneaux")
        ordering = ["starts_at", "pk"]

    def __str__(self) -> str:
        return self.label


class Workshop(models.Model):
    """One workshop offered in a slot of a JADES day; a registrant chooses one per slot."""

    slot = models.ForeignKey(
        Slot, on_delete=models.CASCADE, related_name="workshops", verbose_name=_("créneau")
    )
    title = models.CharField(_("atelier"), max_length=200)
    capacity = models.PositiveIntegerField(_("places"))

    class Meta:
        verbose_name = _("atelier")
        verbose_name_plural = _("ateliers")
        ordering = ["slot", "title"]

    def __str__(self) -> str:
        return self.title


class State(models.TextChoices):
    WAITING = "waiting", _("Liste d'attente")
    OFFERED = "offered", _("Place proposée")
    REGISTERED = "registered", _("Inscrit·e")
    CONFIRMED = "confirmed", _("Venue confirmée")
    ATTENDED = "attended", _("Présent·e")
    NO_SHOW = "no_show", _("Absent·e")
    CANCELLED = "cancelled", _("Annulée")


# The states that hold one of the event's places.
HOLDING_STATES = (State.OFFERED, State.REGISTERED, State.CONFIRMED, State.ATTENDED, State.NO_SHOW)
# The states of a registration that still counts (one per person and event).
ACTIVE_STATES = (State.WAITING, *HOLDING_STATES)


def new_secret() -> str:
    return secrets.token_urlsafe(24)


class Registration(models.Model):
    """One person's registration: personal data, deleted ECOUTE_PROGRAMME_RETENTION_DAYS after the event."""

    event = models.ForeignKey(
        Event, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("événement")
    )
    state = models.CharField(_("état"), max_length=12, choices=State.choices, db_index=True)
    name = models.CharField(_("nom"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail"))
    profession = models.ForeignKey(
        "contacts.Profession", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("profession")
    )
    rpps = models.CharField(_("RPPS / ADELI"), max_length=11, blank=True)
    dpc_enrolled = models.BooleanField(_("inscrit·e au DPC"), default=False)
    # What someone needs to attend can speak of their health: encrypted like the notes.
    accessibility = EncryptedTextField(_("besoins d'accessibilité"), blank=True, default="")
    # The language of the page they registered on: their e-mails are written in it.
    language = models.CharField(_("langue"), max_length=8, default="fr")
    member = models.BooleanField(_("adhérent·e"), default=False)
    price_due = models.DecimalField(_("à payer (€)"), max_digits=7, decimal_places=2, default=0)
    registered_at = models.DateTimeField(_("inscrit·e le"), default=timezone.now)
    offer_expires_at = models.DateTimeField(_("offre valable jusqu'au"), null=True, blank=True)
    confirm_asked_at = models.DateTimeField(_("confirmation demandée le"), null=True, blank=True)
    # The manage link's key: part of a signed link; a new one makes the old links useless.
    link_key = models.CharField(max_length=40, default=new_secret, editable=False)
    certificate_code = models.CharField(
        _("code de l'attestation"), max_length=12, null=True, blank=True, unique=True
    )
    # Online sessions: the join link goes through Écoute (views.join), which notes the attendance.
    joined_at = models.DateTimeField(_("première connexion"), null=True, blank=True)
    joins = models.PositiveIntegerField(_("connexions"), default=0)

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        ordering = ["registered_at", "pk"]
        constraints = [
            # One active registration per person and event: a double click or a second try is refused.
            models.UniqueConstraint(
                fields=["event", "email"],
                condition=Q(state__in=ACTIVE_STATES),
                name="one_active_registration",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name or self.email} — {self.event.title}"

    @property
    def holds_place(self) -> bool:
        return self.state in HOLDING_STATES


class WorkshopChoice(models.Model):
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="choices")
    slot = models.ForeignKey(Slot, on_delete=models.CASCADE)
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="choices")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["registration", "slot"], name="one_workshop_per_slot")]


class Signature(models.Model):
    """A participant's signature on the sign-in sheet of one half-day (the slot; none: the whole event).

    The proof of attendance DPC auditors ask for. The drawing is kept as an SVG path in the box of
    signatures.BOX (signatures.py validates what the tablet sends); an empty path says that staff
    noted the person present without a signature (someone who could not sign), and who noted it.
    """

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="signatures", verbose_name=_("inscription")
    )
    # RESTRICT: a half-day removed from the event's form must not take its signed sheet (the DPC
    # proof) with it; the admin says so. The purge, taking the registrations, takes their signatures.
    slot = models.ForeignKey(
        Slot,
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="+",
        verbose_name=_("demi-journée"),
    )
    path = models.TextField(_("tracé"), blank=True)
    signed_at = models.DateTimeField(_("signé le"), default=timezone.now)
    # Who of the staff noted the person present without a signature (none for a drawn signature); the
    # note stays if their account goes.
    noted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("noté par"),
    )

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "slot"], nulls_distinct=False, name="one_signature_per_half_day"
            )
        ]

    @property
    def without_drawing(self) -> bool:
        return not self.path


class Member(models.Model):
    """The association's members of a year: their registrations are free where the event says so."""

    email = models.EmailField(_("e-mail"))
    name = models.CharField(_("nom"), max_length=150)
    year = models.PositiveSmallIntegerField(_("année d'adhésion"))
    kind = models.CharField(_("type d'adhésion"), max_length=60, blank=True)
    code = models.CharField(_("code adhérent"), max_length=20, unique=True)

    class Meta:
        verbose_name = _("adhérent·e")
        verbose_name_plural = _("adhérent·es")
        ordering = ["-year", "name"]
        constraints = [models.UniqueConstraint(fields=["email", "year"], name="one_membership_a_year")]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"


class MailKind(models.TextChoices):
    CONFIRMATION = "confirmation", _("Confirmation d'inscription")
    WAITING = "waiting", _("Inscription en liste d'attente")
    OFFER = "offer", _("Place proposée")
    REMINDER = "reminder", _("Rappel")
    JOIN_LINK = "join_link", _("Lien de connexion")
    CONFIRM_ASK = "confirm_ask", _("Demande de confirmation")
    CANCELLED = "cancelled", _("Inscription annulée")
    EVENT_CANCELLED = "event_cancelled", _("Événement annulé")
    CERTIFICATE = "certificate", _("Attestation")
    MESSAGE = "message", _("Message aux participants")
    SURVEY_BEFORE = "survey_before", _("Questionnaire avant la formation")
    SURVEY_AFTER = "survey_after", _("Questionnaires de fin de formation")
    # The rota's (ecoute/rota/mail.py): a colleague's shift offered to a psychologist who could take
    # it; taken (to the giver); a handover waiting for a supervisor; the supervisor's decision.
    SHIFT_OFFER = "shift_offer", _("Garde proposée par un collègue")
    SHIFT_TAKEN = "shift_taken", _("Garde proposée reprise par un collègue")
    HANDOVER_ASKED = "handover_asked", _("Échange de garde à valider")
    HANDOVER_DECIDED = "handover_decided", _("Échange de garde accepté ou refusé")


class OutboxMessage(models.Model):
    """An e-mail to send, durable: the worker (manage.py programme_worker) sends it when due, retrying.

    What it says is rendered when it is sent (mail.py), from the registration as it is then: a
    reminder for a registration cancelled meanwhile is dropped, a join link is the current one.
    """

    kind = models.CharField(max_length=16, choices=MailKind.choices)
    # A message is about a registration, or (the rota's) about a shift offered to one psychologist.
    registration = models.ForeignKey(
        Registration, null=True, blank=True, on_delete=models.CASCADE, related_name="mails"
    )
    shift_offer = models.ForeignKey(
        "rota.ShiftOffer", null=True, blank=True, on_delete=models.CASCADE, related_name="mails"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    send_after = models.DateTimeField(db_index=True)
    subject = models.CharField(max_length=200, blank=True)  # for a staff message
    body = models.TextField(blank=True)  # for a staff message
    attempts = models.PositiveSmallIntegerField(default=0)
    next_try_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    dropped = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("e-mail en attente")
        verbose_name_plural = _("e-mails (boîte d'envoi)")
        ordering = ["send_after", "pk"]
        indexes = [models.Index(fields=["sent_at", "dropped", "send_after"], name="outbox_due")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(registration__isnull=False, shift_offer__isnull=True)
                | models.Q(registration__isnull=True, shift_offer__isnull=False, recipient__isnull=False),
                name="outbox_about_a_registration_or_a_shift_offer",
            )
        ]


# --- Questionnaires of the trainings (DPC and Qualiopi: what was learnt, and was it worth it) -----


class QuestionPart(models.TextChoices):
    KNOWLEDGE = "knowledge", _("Connaissances (avant et après la formation)")
    SATISFACTION = "satisfaction", _("Satisfaction (à la fin de la formation)")


class AnswerType(models.TextChoices):
    SCALE = "scale", _("Note de 1 à 5")
    TEXT = "text", _("Texte libre (facultatif)")


class Question(models.Model):
    """One question of the trainings' questionnaires: staff write them in the admin, pages ask them.

    The knowledge questions are asked before and after a training (the difference is what was
    learnt); the satisfaction questions at the end. A question no longer asked is made inactive,
    not deleted: the answers already given keep it.
    """

    part = models.CharField(_("partie"), max_length=12, choices=QuestionPart.choices)
    text = models.CharField(_("question"), max_length=300)
    answer_type = models.CharField(_("réponse"), max_length=8, choices=AnswerType.choices)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)
    active = models.BooleanField(_("posée"), default=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions des questionnaires")
        ordering = ["part", "order", "pk"]

    def __str__(self) -> str:
        return self.text


class Moment(models.TextChoices):
    BEFORE = "before", _("Avant la formation")
    AFTER = "after", _("Après la formation")


class SurveyResponse(models.Model):
    """One questionnaire filled in for a training: when, and which registration's link it came by.

    The registration is there only so that a link answers once; when the registration is deleted
    (docs/retention.md) the answers stay, linked to nobody.
    """

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="survey_responses", verbose_name=_("événement")
    )
    registration = models.ForeignKey(
        Registration, null=True, blank=True, on_delete=models.SET_NULL, related_name="survey_responses"
    )
    moment = models.CharField(_("moment"), max_length=8, choices=Moment.choices)
    submitted_at = models.DateTimeField(_("reçu le"), default=timezone.now)

    class Meta:
        verbose_name = _("questionnaire rempli")
        verbose_name_plural = _("questionnaires remplis")
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "moment"],
                condition=Q(registration__isnull=False),
                name="one_response_per_link",
            )
        ]


class Answer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    # A participant's comment may speak of their own health or work: encrypted like the notes.
    text = EncryptedTextField(blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="one_answer_per_question"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5), name="score_from_1_to_5"
            ),
        ]
