"""factory_boy factories for the core models, and the fixed cast used by access tests."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import factory
from django.utils import timezone

from clinic.models import CareTeamMember, Client, Physician, Therapist, User
from clinic.roles import Role

PASSWORD = "a-long-test-password-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    role = Role.CLIENT
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TherapistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Therapist

    user = factory.SubFactory(UserFactory, role=Role.THERAPIST)
    credentials = "LMT"


class PhysicianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Physician

    user = factory.SubFactory(UserFactory, role=Role.PHYSICIAN)
    first_name = factory.LazyAttribute(lambda p: p.user.first_name if p.user else "Ann")
    last_name = factory.LazyAttribute(lambda p: p.user.last_name if p.user else "Lee")
    specialty = "Family medicine"


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    user = factory.SubFactory(UserFactory, role=Role.CLIENT)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    date_of_birth = dt.date(1980, 1, 1)
    phone = factory.Sequence(lambda n: f"555-{n:04d}")


class CareTeamMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CareTeamMember

    client = factory.SubFactory(ClientFactory)
    physician = factory.SubFactory(PhysicianFactory)
    relationship = CareTeamMember.Relationship.PRIMARY_CARE
    sharing_consented_at = factory.LazyFunction(timezone.now)


def make_cast() -> SimpleNamespace:
    admin = UserFactory(username="admin", role=Role.ADMIN)
    therapist = TherapistFactory(user__username="therapist").user
    therapist2 = TherapistFactory(user__username="therapist2").user
    frontdesk = UserFactory(username="frontdesk", role=Role.FRONT_DESK)
    biller = UserFactory(username="biller", role=Role.BILLING)
    # Fixed, unusual names: tests look for a client's name in pages, and a random name could
    # equal a staff member's (Faker repeats names).
    client = ClientFactory(user__username="client", first_name="Oriana", last_name="Quillfeather")
    client2 = ClientFactory(user__username="client2", first_name="Bastian", last_name="Wrenhollow")
    physician = PhysicianFactory(user__username="physician")
    physician2 = PhysicianFactory(user__username="physician2")
    CareTeamMemberFactory(client=client, physician=physician)
    CareTeamMemberFactory(client=client2, physician=physician2)
    return SimpleNamespace(
        admin=admin,
        therapist=therapist,
        therapist2=therapist2,
        frontdesk=frontdesk,
        biller=biller,
        client_user=client.user,
        client2_user=client2.user,
        physician_user=physician.user,
        physician2_user=physician2.user,
        client=client,
        client2=client2,
        physician=physician,
        physician2=physician2,
    )
