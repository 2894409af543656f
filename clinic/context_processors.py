"""What every page may print about the clinic."""


def clinic_contact(request):
    """The clinic's phone number, for every page that tells someone to call the clinic."""
    from django.conf import settings

    return {"clinic_phone": settings.CLINIC_PHONE}
