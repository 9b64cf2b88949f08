"""The watched phrases: lemmatised variants are caught, common turns of phrase are not.

A small labelled set; precision and recall are printed (pytest -s) and held to a floor.
"""

import pytest

from ecoute.selfhelp.lexicon import DEFAULT_PHRASES, compile_phrases, danger_in

PHRASES = compile_phrases(DEFAULT_PHRASES)

CRISIS = [
    "Certains soirs je veux en finir.",
    "J’ai pensé à en finir avec la vie après cette garde.",
    "Je n’ai plus envie de vivre depuis des mois.",
    "Je n'ai plus du tout envie de vivre.",
    "J’ai eu envie de mourir dans le vestiaire.",
    "Je voudrais mourir, tout simplement.",
    "Je veux mourir.",
    "Parfois je me dis que je vais me foutre en l’air.",
    "j'ai envie de me foutre en l air",
    "J’ai pensé à me suicider.",
    "J'ai des idées suicidaires depuis l'hiver.",
    "Des idées noires tous les soirs.",
    "Je vais me tuer si ça continue.",
    "Je me suis mise à me scarifier.",
    "J’ai envie de disparaître.",
    "Je voudrais ne plus me réveiller.",
    "Je n’ai plus la force de continuer.",
    "Il vaudrait mieux mourir que de revivre ça.",
    "J’ai pensé mettre fin à mes jours.",
    "JE VEUX EN FINIR",
]
ORDINARY = [
    "Il faut en finir avec la paperasse.",
    "Je meurs de fatigue après trois nuits.",
    "On était morts de rire en salle de pause.",
    "Ça me tue de voir le service dans cet état.",
    "Le financement du service a été coupé.",
    "J’ai envie de vivre autrement mon métier.",
    "Nous avons parlé du suicide d’un patient en réunion, avec l’équipe mobile.",
    "Cette réunion était à mourir d’ennui.",
    "Ce qui m’a aidé : en parler, et finir mes gardes plus tôt.",
    "Je me suis fait mal au dos en soulevant un patient.",
    "Le film finit bien.",
    "Les pensées positives et la méditation m’ont aidée.",
    "Je ne voulais pas abandonner mes patients.",
    "J'ai fini par consulter, et ça va mieux.",
]


def test_precision_and_recall_on_a_labelled_set():
    caught = [text for text in CRISIS if danger_in(text, PHRASES)]
    false_alarms = [text for text in ORDINARY if danger_in(text, PHRASES)]
    recall = len(caught) / len(CRISIS)
    precision = len(caught) / (len(caught) + len(false_alarms))
    print(
        f"\nwatched phrases: recall {recall:.2f} ({len(caught)}/{len(CRISIS)}), precision {precision:.2f}, false alarms: {false_alarms}"
    )
    assert recall == 1.0, [text for text in CRISIS if text not in caught]
    assert false_alarms == []


@pytest.mark.parametrize("text", ["en finir", "En Finir", "enfinir"])
def test_spelling_and_case(text):
    assert bool(danger_in(text, PHRASES)) == (text != "enfinir")


def test_words_far_apart_are_not_a_phrase():
    assert not danger_in("envie de partir en vacances, loin, et de ne pas mourir d’ennui", PHRASES)
