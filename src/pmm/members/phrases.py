"""A member's name inside a sentence, with the article its language needs.

"Dashboard of Kenya", but "of the Netherlands"; in French "du Kenya", "de la France", "de l'Argentine",
"des États-Unis", "d'Haïti". Messages carry the whole phrase as one placeholder (`%(of_member)s`,
`%(for_member)s`), so each language places its own preposition and article:

    _("Dashboard %(of_member)s") % {"of_member": of_member(member)}

The tables give each WCO member's name as it is written in a sentence, with its article; a member
not listed (added later) reads "of <name>" / "de <name>" ("d'<name>" before a vowel).
"""

from __future__ import annotations

from typing import Protocol

from django.utils import translation

from pmm.core.translated import pick


class NamedMember(Protocol):
    iso3: str
    name: dict[str, str]


# English: only the names that read differently in a sentence (an article, or the long form in order).
ENGLISH: dict[str, str] = {
    "BHS": "the Bahamas",
    "BOL": "the Plurinational State of Bolivia",
    "CAF": "the Central African Republic",
    "COD": "the Democratic Republic of the Congo",
    "COG": "the Congo",
    "COM": "the Comoros",
    "DOM": "the Dominican Republic",
    "GBR": "the United Kingdom",
    "GMB": "the Gambia",
    "IRN": "the Islamic Republic of Iran",
    "KOR": "the Republic of Korea",
    "LAO": "the Lao People's Democratic Republic",
    "MDA": "the Republic of Moldova",
    "MDV": "the Maldives",
    "NLD": "the Netherlands",
    "PHL": "the Philippines",
    "PSE": "the State of Palestine",
    "RUS": "the Russian Federation",
    "SLB": "the Solomon Islands",
    "SYR": "the Syrian Arab Republic",
    "TZA": "the United Republic of Tanzania",
    "USA": "the United States",
    "ARE": "the United Arab Emirates",
    "VEN": "the Bolivarian Republic of Venezuela",
}

# French: every member's name with its article as written in a sentence ("le", "la", "l'", "les", or
# none: islands and city-states such as Cuba, Haïti, Singapour).
FRENCH: dict[str, str] = {
    "AFG": "l'Afghanistan", "ALB": "l'Albanie", "DZA": "l'Algérie", "AND": "Andorre", "AGO": "l'Angola",
    "ATG": "Antigua-et-Barbuda", "ARG": "l'Argentine", "ARM": "l'Arménie", "ABW": "Aruba",
    "AUS": "l'Australie", "AUT": "l'Autriche", "AZE": "l'Azerbaïdjan", "BHS": "les Bahamas",
    "BHR": "Bahreïn", "BGD": "le Bangladesh", "BRB": "la Barbade", "BLR": "le Bélarus",
    "BEL": "la Belgique", "BLZ": "le Belize", "BEN": "le Bénin", "BTN": "le Bhoutan",
    "BOL": "la Bolivie", "BIH": "la Bosnie-Herzégovine", "BWA": "le Botswana", "BRA": "le Brésil",
    "BRN": "le Brunéi Darussalam", "BGR": "la Bulgarie", "BFA": "le Burkina Faso", "BDI": "le Burundi",
    "CPV": "le Cap-Vert", "KHM": "le Cambodge", "CMR": "le Cameroun", "CAN": "le Canada",
    "CAF": "la République centrafricaine", "TCD": "le Tchad", "CHL": "le Chili", "CHN": "la Chine",
    "COL": "la Colombie", "COM": "les Comores", "COG": "le Congo",
    "COD": "la République démocratique du Congo", "CRI": "le Costa Rica", "HRV": "la Croatie",
    "CUB": "Cuba", "CUW": "Curaçao", "CYP": "Chypre", "CZE": "la Tchéquie", "CIV": "la Côte d'Ivoire",
    "DNK": "le Danemark", "DJI": "Djibouti", "DOM": "la République dominicaine", "ECU": "l'Équateur",
    "EGY": "l'Égypte", "SLV": "le Salvador", "GNQ": "la Guinée équatoriale", "ERI": "l'Érythrée",
    "EST": "l'Estonie", "SWZ": "l'Eswatini", "ETH": "l'Éthiopie", "FJI": "les Fidji",
    "FIN": "la Finlande", "FRA": "la France", "GAB": "le Gabon", "GMB": "la Gambie", "GEO": "la Géorgie",
    "DEU": "l'Allemagne", "GHA": "le Ghana", "GRC": "la Grèce", "GTM": "le Guatemala", "GIN": "la Guinée",
    "GNB": "la Guinée-Bissau", "GUY": "le Guyana", "HTI": "Haïti", "HND": "le Honduras",
    "HKG": "Hong Kong, Chine", "HUN": "la Hongrie", "ISL": "l'Islande", "IND": "l'Inde",
    "IDN": "l'Indonésie", "IRN": "l'Iran", "IRQ": "l'Irak", "IRL": "l'Irlande", "ISR": "Israël",
    "ITA": "l'Italie", "JAM": "la Jamaïque", "JPN": "le Japon", "JOR": "la Jordanie",
    "KAZ": "le Kazakhstan", "KEN": "le Kenya", "KOR": "la République de Corée", "XKX": "le Kosovo",
    "KWT": "le Koweït", "KGZ": "le Kirghizistan", "LAO": "la République démocratique populaire lao",
    "LVA": "la Lettonie", "LBN": "le Liban", "LSO": "le Lesotho", "LBR": "le Libéria", "LBY": "la Libye",
    "LTU": "la Lituanie", "LUX": "le Luxembourg", "MAC": "Macao, Chine", "MDG": "Madagascar",
    "MWI": "le Malawi", "MYS": "la Malaisie", "MDV": "les Maldives", "MLI": "le Mali", "MLT": "Malte",
    "MRT": "la Mauritanie", "MUS": "Maurice", "MEX": "le Mexique", "MDA": "la République de Moldova",
    "MNG": "la Mongolie", "MNE": "le Monténégro", "MAR": "le Maroc", "MOZ": "le Mozambique",
    "MMR": "le Myanmar", "NAM": "la Namibie", "NPL": "le Népal", "NLD": "les Pays-Bas",
    "NZL": "la Nouvelle-Zélande", "NIC": "le Nicaragua", "NER": "le Niger", "NGA": "le Nigeria",
    "MKD": "la Macédoine du Nord", "NOR": "la Norvège", "OMN": "Oman", "PAK": "le Pakistan",
    "PLW": "les Palaos", "PSE": "l'État de Palestine", "PAN": "le Panama",
    "PNG": "la Papouasie-Nouvelle-Guinée", "PRY": "le Paraguay", "PER": "le Pérou",
    "PHL": "les Philippines", "POL": "la Pologne", "PRT": "le Portugal", "QAT": "le Qatar",
    "ROU": "la Roumanie", "RUS": "la Fédération de Russie", "RWA": "le Rwanda", "LCA": "Sainte-Lucie",
    "VCT": "Saint-Vincent-et-les-Grenadines", "WSM": "les Samoa", "STP": "Sao Tomé-et-Principe",
    "SAU": "l'Arabie saoudite", "SEN": "le Sénégal", "SRB": "la Serbie", "SYC": "les Seychelles",
    "SLE": "la Sierra Leone", "SGP": "Singapour", "SVK": "la Slovaquie", "SVN": "la Slovénie",
    "SLB": "les Îles Salomon", "SOM": "la Somalie", "ZAF": "l'Afrique du Sud", "SSD": "le Soudan du Sud",
    "ESP": "l'Espagne", "LKA": "Sri Lanka", "SDN": "le Soudan", "SUR": "le Suriname", "SWE": "la Suède",
    "CHE": "la Suisse", "SYR": "la République arabe syrienne", "TJK": "le Tadjikistan",
    "TZA": "la République-Unie de Tanzanie", "THA": "la Thaïlande", "TLS": "le Timor-Leste",
    "TGO": "le Togo", "TON": "les Tonga", "TTO": "Trinité-et-Tobago", "TUN": "la Tunisie",
    "TKM": "le Turkménistan", "TUR": "la Turquie", "UGA": "l'Ouganda", "UKR": "l'Ukraine",
    "ARE": "les Émirats arabes unis", "GBR": "le Royaume-Uni", "USA": "les États-Unis",
    "URY": "l'Uruguay", "UZB": "l'Ouzbékistan", "VUT": "le Vanuatu", "VEN": "le Venezuela",
    "VNM": "le Viet Nam", "YEM": "le Yémen", "ZMB": "la Zambie", "ZWE": "le Zimbabwe",
}  # fmt: skip

_VOWELS = (*"AEIOUYÂÀÉÈÊÎÏÔÛÜaeiouyâàéèêîïôûü", "Hai", "Haï")


def _language() -> str:
    return (translation.get_language() or "en").split("-")[0]


def _french_of(phrase: str) -> str:
    if phrase.startswith("le "):
        return "du " + phrase[3:]
    if phrase.startswith("les "):
        return "des " + phrase[4:]
    if phrase.startswith(("la ", "l'")):
        return "de " + phrase
    return ("d'" if phrase.startswith(_VOWELS) else "de ") + phrase


def member_phrase(member: NamedMember) -> str:
    """The member's name as written inside a sentence of the active language, with its article
    ("the Netherlands", "les Pays-Bas")."""
    if _language() == "fr":
        return FRENCH.get(member.iso3) or pick(member.name, "fr")
    return ENGLISH.get(member.iso3) or pick(member.name, "en")


def of_member(member: NamedMember) -> str:
    """ "of Kenya", "of the Netherlands"; in French "du Kenya", "des Pays-Bas", "d'Haïti"."""
    phrase = member_phrase(member)
    return _french_of(phrase) if _language() == "fr" else "of " + phrase


def for_member(member: NamedMember) -> str:
    """ "for Kenya", "for the Netherlands"; in French "pour le Kenya", "pour Haïti"."""
    return ("pour " if _language() == "fr" else "for ") + member_phrase(member)
