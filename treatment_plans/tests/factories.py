"""factory_boy factories for plans."""

from __future__ import annotations

import datetime as dt

import factory

from clinic.roles import Role
from clinic.tests.factories import ClientFactory, UserFactory
from treatment_plans.models import Milestone, PlanTechnique, PlanVersion, Technique, TreatmentPlan


def technique(key="swedish") -> Technique:
    return Technique.objects.get_or_create(
        key=key, defaults={"name": key.replace("_", " ").title(), "description": "..."}
    )[0]


class TreatmentPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TreatmentPlan

    client = factory.SubFactory(ClientFactory)
    therapist = factory.SubFactory(UserFactory, role=Role.THERAPIST)


class PlanVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanVersion

    plan = factory.SubFactory(TreatmentPlanFactory)
    number = 1
    created_by = factory.LazyAttribute(lambda v: v.plan.therapist)
    health_goal = "A full work day without neck pain"
    clinical_reason = "Chronic neck pain from desk work"
    start_date = factory.LazyFunction(dt.date.today)
    sessions_per_week = 1
    planned_sessions = 8
    session_minutes = 60


class PlanTechniqueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanTechnique

    version = factory.SubFactory(PlanVersionFactory)
    technique = factory.LazyFunction(technique)
    target_areas = "Neck, upper trapezius"
    rationale = "Improve surface circulation and ease muscle tension"


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    version = factory.SubFactory(PlanVersionFactory)
    kind = Milestone.Kind.NPRS
    comparator = Milestone.Comparator.AT_MOST
    target_value = 3
    baseline_value = 6
    by_session = 8
