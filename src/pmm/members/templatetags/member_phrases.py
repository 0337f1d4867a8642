"""`{{ member|of_member }}` and `{{ member|for_member }}`: a member's name inside a sentence, with the
article of the active language ("du Kenya", "des Pays-Bas"); see pmm.members.phrases."""

from __future__ import annotations

from django import template

from pmm.members import phrases

register = template.Library()


@register.filter
def of_member(member: phrases.NamedMember) -> str:
    return phrases.of_member(member)


@register.filter
def for_member(member: phrases.NamedMember) -> str:
    return phrases.for_member(member)
