"""What the privacy notice tells callers, drawn from the rules the purge itself applies.

docs/retention.md is the full table (every table and store, for the DPO and the operators); this is
what of it concerns a caller, in their words. Each item names the rows of that table it sums up
(a piece of each row's first cell), and every other row is listed in NOT_ABOUT_CALLERS:
tests/about/test_privacy_notice.py fails when a row is added there and not here, or when a duration
differs, so the two cannot drift apart.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ecoute.contacts.actions import UNANSWERED_LINK_KEPT
from ecoute.directory.models import REFERRALS_KEPT
from ecoute.programme.actions import SENT_MAIL_KEPT

# The rows of docs/retention.md that hold nothing about a caller: staff accounts and their traces,
# vocabularies, the directory's public entries.
NOT_ABOUT_CALLERS = (
    "calls_ring",
    "contacts_notepolicy",
    "contacts_profession",
    "security_securityevent",
    "django_admin_log",
    "django_session",
    "otp_totp_totpdevice",
    "accounts_user",
    "accounts_listenerprofile",
    "accounts_language",
    "presence_presence",
    "presence_onlineminute",
    "directory_entry",
    "directory_region",
    "programme_event",
    "prompts folder",
    "selfhelp_sheet",
    "selfhelp_watchedphrase",
    "studies_study",
    "programme_member",
    "programme_question",
    "programme_series",
    "auth_permission",
    "login-failures:account",
    "login-failures:address",
    "ECOUTE_MEDIA_ROOT",
    "staff browser cookies",
    "rota_weeklyavailability",
    "rota_availabilityexception",
    "rota_shift",
    "rota_shiftoffer",
    "rota_adjustment",
)
# How long the operators keep server logs and database backups at most (docs/retention.md, docs/operations.md).
OPERATOR_DAYS = 30


@dataclass(frozen=True)
class Kept:
    what: str
    why: str
    how_long: str
    sources: tuple[str, ...]  # pieces of the first cells of the rows of docs/retention.md it sums up


def duration(days: int) -> str:
    """A number of days as a person says it: "2 ans", "3 mois", "30 jours"."""
    if days % 365 == 0:
        years = days // 365
        return ngettext("%(count)d an", "%(count)d ans", years) % {"count": years}
    if days % 30 == 0 and days > 30:
        months = days // 30
        return ngettext("%(count)d mois", "%(count)d mois", months) % {"count": months}
    return ngettext("%(count)d jour", "%(count)d jours", days) % {"count": days}


def days_of(period: timedelta) -> int:
    return period.days


def caller_data() -> list[Kept]:
    """Everything the line keeps that concerns a caller, read now (the durations follow the settings)."""
    contact = duration(settings.ECOUTE_CONTACT_RETENTION_DAYS)
    return [
        Kept(
            what=_(
                "Chaque appel : son heure, sa durée, le psychologue qui a répondu, la langue demandée, "
                "s’il a été signalé urgent. Jamais votre numéro, votre adresse ni votre nom."
            ),
            why=_("Faire fonctionner la ligne et rendre compte de son activité (mission d’intérêt public)."),
            how_long=_("Gardé comme historique anonyme du service, sans rien qui vous relie à lui."),
            sources=("calls_call", "contacts_contacttally"),
        ),
        Kept(
            what=_(
                "L’empreinte de la clé au hasard que garde votre téléphone : elle relie vos appels entre eux, "
                "pour que vous retrouviez le même psychologue."
            ),
            why=_("Vous permettre de rappeler la personne qui vous a écouté."),
            how_long=_("%(answered)s après un appel décroché ; %(unanswered)s si personne n’a décroché.")
            % {"answered": contact, "unanswered": duration(days_of(UNANSWERED_LINK_KEPT))},
            sources=("calls_call", "abuse:device-calls"),
        ),
        Kept(
            what=_(
                "Si vous répondez à « Cet appel vous a-t-il aidé ? » après un appel : un simple compte des "
                "réponses par mois, relié à aucun appel, aucun psychologue ni aucun appareil."
            ),
            why=_("Savoir si la ligne aide ceux qui l’appellent."),
            how_long=_(
                "Les comptes : gardés. Le ticket qui permet de répondre une fois : deux heures au plus."
            ),
            sources=("feedback_feedbackcount", "feedback-ticket", "abuse:feedback"),
        ),
        Kept(
            what=_(
                "La fiche que remplit le psychologue après l’appel : des cases à cocher (profession, motif, "
                "orientation…) et une note chiffrée. Chaque lecture d’une note est tracée."
            ),
            why=_(
                "Assurer le suivi de vos appels, sous le secret professionnel des psychologues, et "
                "compter les motifs d’appel sans vous identifier."
            ),
            how_long=_(
                "La note et son lien avec vos appels : %(contact)s. Les cases cochées restent, sans lien avec "
                "vous, pour les statistiques. La trace des lectures : %(audit)s."
            )
            % {"contact": contact, "audit": duration(settings.ECOUTE_AUDIT_RETENTION_DAYS)},
            sources=("contacts_contactrecord", "contacts_noteread"),
        ),
        Kept(
            what=_("Les adresses d’orientation que le psychologue note ou vous envoie pendant l’appel."),
            why=_("Pré-remplir sa fiche."),
            how_long=_("Jusqu’à ce que la fiche soit enregistrée, %(days)s au plus.")
            % {"days": duration(days_of(REFERRALS_KEPT))},
            sources=("directory_referral",),
        ),
        Kept(
            what=_(
                "Ce qu’un psychologue écrit en demandant l’aide d’un cadre pendant votre appel (chiffré)."
            ),
            why=_("Qu’un cadre de la plateforme puisse intervenir tout de suite."),
            how_long=duration(settings.ECOUTE_ALERT_REASON_RETENTION_DAYS),
            sources=("calls_alert",),
        ),
        Kept(
            what=_(
                "Des compteurs contre les abus (trop d’appels d’un même réseau), rangés sous une empreinte "
                "de l’adresse qui change chaque jour : l’adresse elle-même n’est jamais enregistrée."
            ),
            why=_("Protéger la ligne des appels en masse sans identifier personne."),
            how_long=_("De quelques secondes à 24 heures, en mémoire seulement."),
            sources=("source-key", "abuse:"),
        ),
        Kept(
            what=_(
                "Les journaux des serveurs (page demandée, heure, résultat, sans adresse) et les sauvegardes "
                "de la base de données ; les messages entre nos serveurs ne sont pas gardés."
            ),
            why=_("Faire tourner le service et le réparer en cas de panne (sécurité du traitement)."),
            how_long=_("%(days)s au plus.") % {"days": duration(OPERATOR_DAYS)},
            sources=(
                "server logs",
                "database backups",
                "database files",
                "ECOUTE_CHANNEL_PREFIX",
                "media agent log",
                "SIP edge log",
            ),
        ),
        Kept(
            what=_(
                "Si vous appelez le numéro vert : votre numéro s’arrête à l’entrée de notre ligne "
                "téléphonique, qui ne le garde que le temps de l’appel pour vous le rendre et n’en transmet "
                "qu’une empreinte qui change chaque jour (contre les appels en masse). Si votre psychologue "
                "vous donne un code de suivi, nous gardons l’empreinte de ce code pour vous remettre en lien "
                "avec elle ou lui."
            ),
            why=_(
                "Vous répondre sans jamais connaître votre numéro, et vous permettre de rappeler la même personne."
            ),
            how_long=_(
                "Le numéro : le temps de l’appel ; l’empreinte : 2 jours ; le code de suivi : %(days)s."
            )
            % {"days": duration(settings.ECOUTE_FOLLOW_UP_DAYS)},
            sources=("telephony_followupcode", "SIP edge memory", "media agent memory"),
        ),
        Kept(
            what=_(
                "Si vous acceptez un suivi que vous propose votre psychologue : l’empreinte du lien de rappel "
                "(le lien lui-même n’est que dans le fichier d’agenda, sur votre appareil), l’heure convenue et "
                "le psychologue. Si vous demandez une notification, l’abonnement de votre navigateur, chiffré, "
                "jusqu’à son envoi. Jamais votre nom, votre numéro ni votre adresse."
            ),
            why=_("Vous rappeler à l’heure convenue et vous proposer d’abord la même personne."),
            how_long=_(
                "L’abonnement : jusqu’à la notification. Le reste : jusqu’à ce que vous reveniez par le lien, "
                "au plus %(hours)s heures après l’heure convenue. Les suivis convenus et honorés sont comptés "
                "par mois, sans rien qui vous relie à eux."
            )
            % {"hours": settings.ECOUTE_FOLLOW_UP_LINK_HOURS},
            sources=("followup_followup", "followup_followupcount", "follow-up-proposal", "abuse:follow-up"),
        ),
        Kept(
            what=_(
                "Sur votre téléphone seulement : la clé au hasard, les adresses que votre psychologue vous a "
                "envoyées, la langue choisie, les fichiers de l’application."
            ),
            why=_("Vous retrouver d’un appel à l’autre sans compte."),
            how_long=_(
                "Jusqu’à ce que vous les effaciez (« Oublier cet appareil », ou en vidant les données du "
                "navigateur) ; la langue choisie : %(language)s."
            )
            % {"language": duration(settings.LANGUAGE_COOKIE_AGE // (24 * 3600))},
            sources=("ecoute.callerKey", "ecoute.referralCards", "ecoute-shell", "django_language"),
        ),
    ]


def participant_data() -> list[Kept]:
    """What the prevention programme keeps about the people who register for its events."""
    return [
        Kept(
            what=_(
                "Si vous vous inscrivez à une formation, une journée JADES, une eJADES ou au colloque : "
                "votre nom, votre e-mail, votre profession, et si vous les donnez votre numéro RPPS/ADELI, "
                "votre inscription DPC et vos besoins d’accessibilité (chiffrés) ; pour un atelier en ligne, "
                "l’heure de votre première connexion par votre lien ; pour une formation, votre signature "
                "sur la feuille d’émargement de chaque demi-journée ; les e-mails que nous vous envoyons "
                "pour cet événement."
            ),
            why=_(
                "Organiser l’événement, vous envoyer confirmation et rappels, et pour les formations prouver "
                "votre présence (DPC, Qualiopi) et vérifier votre attestation."
            ),
            how_long=_(
                "%(absent)s après l’événement si vous n’y êtes pas venu ; %(attended)s si vous y avez "
                "assisté ; les e-mails envoyés : %(mail)s."
            )
            % {
                "absent": duration(settings.ECOUTE_PROGRAMME_RETENTION_DAYS),
                "attended": duration(settings.ECOUTE_PROGRAMME_ATTENDANCE_DAYS),
                "mail": duration(days_of(SENT_MAIL_KEPT)),
            },
            sources=("programme_registration", "programme_signature", "programme_outboxmessage"),
        ),
        Kept(
            what=_(
                "Si vous suivez une formation : vos réponses aux questionnaires d’avant et d’après la "
                "formation et au questionnaire de satisfaction (notes et commentaires, chiffrés). Elles ne "
                "portent pas votre nom ; le lien à votre inscription sert seulement à ne répondre qu’une "
                "fois et disparaît avec elle."
            ),
            why=_(
                "Mesurer ce que chaque formation apporte et l’améliorer, comme le demandent le DPC et Qualiopi."
            ),
            how_long=_("%(attended)s après la formation.")
            % {"attended": duration(settings.ECOUTE_PROGRAMME_ATTENDANCE_DAYS)},
            sources=("programme_surveyresponse",),
        ),
    ]


def self_help_data() -> list[Kept]:
    """What self-help keeps about the people who take a self-test, write a testimony or answer a study."""
    return [
        Kept(
            what=_(
                "Les auto-tests : vos réponses et votre score restent dans votre navigateur ; si vous le "
                "choisissez, ils y sont gardés, et un simple compte (test, résultat, profession, mois) nous "
                "est envoyé, sans rien qui vous relie à lui."
            ),
            why=_("Vous permettre de suivre vos résultats, et savoir à qui les auto-tests servent."),
            how_long=_("Sur votre appareil : jusqu’à ce que vous les effaciez. Les comptes : gardés."),
            sources=("selfhelp_selftestcount", "ecoute.selftests"),
        ),
        Kept(
            what=_(
                "Un témoignage : votre pseudonyme, votre texte (chiffré tant qu’il attend la modération), "
                "votre e-mail si vous le donnez (chiffré), les décisions des modérateurs ; et, comme la loi "
                "l’impose à un hébergeur, un dossier scellé et chiffré des données d’auteur, que personne "
                "ne lit sauf sur réquisition judiciaire."
            ),
            why=_(
                "Publier votre témoignage après relecture, et répondre aux obligations légales d’un hébergeur."
            ),
            how_long=_(
                "Le texte publié : tant qu’il est en ligne ; l’e-mail : jusqu’à la décision ; un témoignage "
                "refusé : %(refused)s ; le dossier scellé : %(seal)s."
            )
            % {
                "refused": duration(settings.ECOUTE_AUDIT_RETENTION_DAYS),
                "seal": duration(settings.ECOUTE_TESTIMONY_SEAL_DAYS),
            },
            sources=("selfhelp_testimony", "selfhelp_moderationdecision", "selfhelp_authorseal"),
        ),
        Kept(
            what=_(
                "Vos réponses à une étude : anonymes (le mois seulement, aucun lien avec une invitation), "
                "le texte libre chiffré et jamais publié."
            ),
            why=_(
                "Connaître la santé des soignants ; seuls des totaux d’au moins quelques personnes sont publiés."
            ),
            how_long=_(
                "Avec l’étude ; les invitations : jusqu’à sa clôture ; l’adresse e-mail d’une personne "
                "invitée par e-mail : chiffrée jusqu’à l’envoi de son lien, puis effacée."
            ),
            sources=("studies_invitation", "studies_invitationmail", "studies_response"),
        ),
    ]


def everything_told() -> list[Kept]:
    """Every item of the notice: what concerns callers, the programme's participants, self-help's users."""
    return caller_data() + participant_data() + self_help_data()
