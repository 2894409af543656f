"""A client's care as a FHIR R4 (4.0.1) Bundle, shaped for the viewer (documents/fhir/bundle.py)."""

from documents.fhir.bundle import client_bundle, write_client_bundle

__all__ = ["client_bundle", "write_client_bundle"]
