from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "pmm.members"
    label = "members"
