"""The predefined groups members belong to, as data: WCO regions, income groups, geography, unions.

The CSV of members names regions, income groups and unions by these keys.
"""

from __future__ import annotations

from dataclasses import dataclass

from pmm.members.models import GroupKind


@dataclass(frozen=True)
class GroupDefinition:
    code: str
    kind: str
    key: str  # the value used in the members CSV
    en: str
    fr: str


WCO_REGIONS = [
    GroupDefinition(
        "region-americas-caribbean",
        GroupKind.WCO_REGION,
        "Americas and Caribbean",
        "Americas and Caribbean",
        "Amériques et Caraïbes",
    ),
    GroupDefinition(
        "region-east-southern-africa",
        GroupKind.WCO_REGION,
        "East and Southern Africa",
        "East and Southern Africa",
        "Afrique orientale et australe",
    ),
    GroupDefinition("region-europe", GroupKind.WCO_REGION, "Europe", "Europe", "Europe"),
    GroupDefinition(
        "region-asia-pacific",
        GroupKind.WCO_REGION,
        "Far East, South and South East Asia, Australasia and the Pacific Islands",
        "Far East, South and South East Asia, Australasia and the Pacific Islands",
        "Extrême-Orient, Asie du Sud et du Sud-Est, Australasie et îles du Pacifique",
    ),
    GroupDefinition(
        "region-north-africa-near-middle-east",
        GroupKind.WCO_REGION,
        "North of Africa, Near and Middle East",
        "North of Africa, Near and Middle East",
        "Afrique du Nord, Proche et Moyen-Orient",
    ),
    GroupDefinition(
        "region-west-central-africa",
        GroupKind.WCO_REGION,
        "West and Central Africa",
        "West and Central Africa",
        "Afrique occidentale et centrale",
    ),
]

INCOME_GROUPS = [
    GroupDefinition("income-low", GroupKind.INCOME_GROUP, "low", "Low income", "Faible revenu"),
    GroupDefinition(
        "income-lower-middle",
        GroupKind.INCOME_GROUP,
        "lower_middle",
        "Lower-middle income",
        "Revenu intermédiaire inférieur",
    ),
    GroupDefinition(
        "income-upper-middle",
        GroupKind.INCOME_GROUP,
        "upper_middle",
        "Upper-middle income",
        "Revenu intermédiaire supérieur",
    ),
    GroupDefinition("income-high", GroupKind.INCOME_GROUP, "high", "High income", "Revenu élevé"),
]

GEOGRAPHY_GROUPS = [
    GroupDefinition("geo-landlocked", GroupKind.GEOGRAPHY, "landlocked", "Landlocked", "Sans littoral"),
    GroupDefinition(
        "geo-small-island",
        GroupKind.GEOGRAPHY,
        "small_island_developing_state",
        "Small island developing states",
        "Petits États insulaires en développement",
    ),
    GroupDefinition(
        "geo-coastal",
        GroupKind.GEOGRAPHY,
        "coastal",
        "Coastal (neither landlocked nor a small island state)",
        "Côtiers (ni sans littoral ni petit État insulaire)",
    ),
]

UNIONS = [
    GroupDefinition("union-eu", GroupKind.UNION, "EU", "European Union", "Union européenne"),
    GroupDefinition(
        "union-eaeu", GroupKind.UNION, "EAEU", "Eurasian Economic Union", "Union économique eurasiatique"
    ),
    GroupDefinition(
        "union-sacu",
        GroupKind.UNION,
        "SACU",
        "Southern African Customs Union",
        "Union douanière d'Afrique australe",
    ),
    GroupDefinition(
        "union-eac", GroupKind.UNION, "EAC", "East African Community", "Communauté d'Afrique de l'Est"
    ),
    GroupDefinition(
        "union-ecowas",
        GroupKind.UNION,
        "ECOWAS",
        "Economic Community of West African States",
        "Communauté économique des États de l'Afrique de l'Ouest (CEDEAO)",
    ),
    GroupDefinition(
        "union-uemoa",
        GroupKind.UNION,
        "UEMOA",
        "West African Economic and Monetary Union",
        "Union économique et monétaire ouest-africaine (UEMOA)",
    ),
    GroupDefinition(
        "union-cemac",
        GroupKind.UNION,
        "CEMAC",
        "Economic and Monetary Community of Central Africa",
        "Communauté économique et monétaire de l'Afrique centrale (CEMAC)",
    ),
    GroupDefinition("union-can", GroupKind.UNION, "CAN", "Andean Community", "Communauté andine"),
    GroupDefinition(
        "union-mercosur",
        GroupKind.UNION,
        "MERCOSUR",
        "Southern Common Market (MERCOSUR)",
        "Marché commun du Sud (MERCOSUR)",
    ),
    GroupDefinition(
        "union-gcc", GroupKind.UNION, "GCC", "Gulf Cooperation Council", "Conseil de coopération du Golfe"
    ),
    GroupDefinition(
        "union-caricom",
        GroupKind.UNION,
        "CARICOM",
        "Caribbean Community",
        "Communauté des Caraïbes (CARICOM)",
    ),
    GroupDefinition(
        "union-sica",
        GroupKind.UNION,
        "SICA",
        "Central American Integration System",
        "Système d'intégration centraméricain (SICA)",
    ),
]

PREDEFINED_GROUPS = WCO_REGIONS + INCOME_GROUPS + GEOGRAPHY_GROUPS + UNIONS

# Names the ISO standard spells differently from the WCO, or that it lacks.
NAME_OVERRIDES_FR = {"HKG": "Hong Kong, Chine", "MAC": "Macao, Chine", "XKX": "Kosovo"}
