"""A member's name inside a sentence carries the article its language needs: "du Kenya", "de la
France", "des États-Unis", "d'Haïti" in French; "of the Netherlands" in English."""

from __future__ import annotations

import csv

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from pmm.members.models import Member
from pmm.members.phrases import ENGLISH, FRENCH, for_member, member_phrase, of_member

pytestmark = pytest.mark.django_db

FRENCH_OF = {
    "KEN": "du Kenya",
    "FRA": "de la France",
    "USA": "des États-Unis",
    "HTI": "d'Haïti",
    "NLD": "des Pays-Bas",
    "PHL": "des Philippines",
    "ARG": "de l'Argentine",
    "DEU": "de l'Allemagne",
    "CUB": "de Cuba",
    "ISR": "d'Israël",
    "HND": "du Honduras",
}
ENGLISH_OF = {
    "KEN": "of Kenya",
    "NLD": "of the Netherlands",
    "USA": "of the United States",
    "HTI": "of Haiti",
}


@pytest.mark.parametrize(("iso3", "expected"), FRENCH_OF.items())
def test_french_of_member(iso3, expected):
    with translation.override("fr"):
        assert of_member(Member.objects.get(iso3=iso3)) == expected


@pytest.mark.parametrize(("iso3", "expected"), ENGLISH_OF.items())
def test_english_of_member(iso3, expected):
    with translation.override("en"):
        assert of_member(Member.objects.get(iso3=iso3)) == expected


def test_for_member_keeps_the_article():
    with translation.override("fr"):
        assert for_member(Member.objects.get(iso3="KEN")) == "pour le Kenya"
        assert for_member(Member.objects.get(iso3="HTI")) == "pour Haïti"
    with translation.override("en"):
        assert for_member(Member.objects.get(iso3="PHL")) == "for the Philippines"


def test_every_wco_member_has_its_french_form_and_tables_name_only_members():
    with settings.PMM_DEFAULT_MEMBERS_FILE.open(encoding="utf-8") as file:
        codes = {row["iso3"] for row in csv.DictReader(file)}
    assert set(FRENCH) == codes
    assert set(ENGLISH) <= codes
    assert all(
        not phrase.startswith(("le ", "la ")) or phrase[3] not in "AEIOUÉÈ" for phrase in FRENCH.values()
    )


def test_a_member_not_in_the_tables_takes_de_or_d_apostrophe():
    class Newcomer:
        iso3 = "XXA"
        name = {"en": "Atlantis", "fr": "Atlantide"}

    with translation.override("fr"):
        assert member_phrase(Newcomer()) == "Atlantide"
        assert of_member(Newcomer()) == "d'Atlantide"
    with translation.override("en"):
        assert of_member(Newcomer()) == "of Atlantis"


def test_the_template_filters():
    template = Template("{% load member_phrases %}{{ m|of_member }} / {{ m|for_member }}")
    with translation.override("fr"):
        assert (
            template.render(Context({"m": Member.objects.get(iso3="NLD")}))
            == "des Pays-Bas / pour les Pays-Bas"
        )
