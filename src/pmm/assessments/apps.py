from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "pmm.assessments"
    label = "assessments"
