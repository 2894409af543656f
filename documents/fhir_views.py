"""The FHIR R4 export of a client's care (documents/fhir/): scoped exactly like the plan PDF.

Staff who read clinical records (admin, therapists) for any client, a consented physician for
their patients (a revoked consent ends it: `Client.objects.visible_to`), a client their own.
The front desk and billing staff are refused by role (403) before any lookup; a stranger gets
404. Every download is audited and never cached."""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import get_object_or_404

from clinic import audit
from clinic.models import Client
from clinic.permissions import role_required
from clinic.storage import PRIVATE_CACHE_CONTROL
from documents.fhir import client_bundle
from documents.views import PDF_READERS

FHIR_JSON = "application/fhir+json"


@role_required(*PDF_READERS)
def fhir_client_bundle(request, client_id):
    client = get_object_or_404(Client.objects.visible_to(request.user), pk=client_id)
    bundle = client_bundle(client, viewer=request.user)
    audit.record(
        actor=request.user,
        action="download",
        client=client,
        target=client,
        detail=f"FHIR R4 bundle ({len(bundle.get('entry', []))} resources)",
    )
    response = HttpResponse(
        json.dumps(bundle, cls=DjangoJSONEncoder, ensure_ascii=False),
        content_type=f"{FHIR_JSON}; charset=utf-8",
    )
    response["Cache-Control"] = PRIVATE_CACHE_CONTROL  # "private, no-store"
    response["Content-Disposition"] = f'attachment; filename="client-{client.pk}.fhir.json"'
    return response
