"""factory_boy factories for intake models."""

from __future__ import annotations

import datetime as dt

import factory

from clinic.roles import Role
from clinic.tests.factories import ClientFactory, UserFactory
from intake.models import (
    Assessment,
    Consent,
    ConsentText,
    HealthHistory,
    MuscleTest,
    RangeOfMotion,
    RomNorm,
    SpecialTest,
)


class HealthHistoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HealthHistory

    client = factory.SubFactory(ClientFactory)
    version = factory.Sequence(lambda n: n + 1)
    created_by = factory.LazyAttribute(lambda h: h.client.user or UserFactory(role=Role.THERAPIST))
    reason_for_visit = "Neck pain after long days at the computer"
    client_goals = "A full work day without neck pain"
    conditions = factory.LazyFunction(list)


def treatment_text() -> ConsentText:
    return ConsentText.objects.get_or_create(
        kind="treatment", version="1", defaults={"title": "Consent to treatment", "body": "..."}
    )[0]


def sharing_text() -> ConsentText:
    return ConsentText.objects.get_or_create(
        kind="sharing", version="1", defaults={"title": "Consent to share", "body": "..."}
    )[0]


class TreatmentConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    client = factory.SubFactory(ClientFactory)
    kind = "treatment"
    text = factory.LazyFunction(treatment_text)
    signed_name = factory.LazyAttribute(lambda c: f"{c.client.first_name} {c.client.last_name}")
    signed_by = factory.LazyAttribute(lambda c: c.client.user or UserFactory(role=Role.THERAPIST))
    ip_address = "127.0.0.1"


def rom_norm(joint="Cervical spine", movement="Rotation") -> RomNorm:
    return RomNorm.objects.get_or_create(
        joint=joint,
        movement=movement,
        defaults={"normal_degrees": 80, "source": "test source", "bilateral": True},
    )[0]


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    client = factory.SubFactory(ClientFactory)
    assessed_by = factory.SubFactory(UserFactory, role=Role.THERAPIST)
    assessed_on = factory.LazyFunction(dt.date.today)
    posture_findings = "Forward head posture, rounded shoulders"
    nprs = 6


class RangeOfMotionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RangeOfMotion

    assessment = factory.SubFactory(AssessmentFactory)
    norm = factory.LazyFunction(rom_norm)
    side = "right"
    degrees = 55


class MuscleTestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MuscleTest

    assessment = factory.SubFactory(AssessmentFactory)
    muscle = "Upper trapezius"
    side = "right"
    grade = 4


class SpecialTestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SpecialTest

    assessment = factory.SubFactory(AssessmentFactory)
    name = "Spurling's test"
    side = "right"
    result = "negative"
