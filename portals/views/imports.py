"""The admin's import page (/imports/): upload a CSV, see a preview (a dry run of the import),
confirm. Between the two steps the file waits in private storage under a random name that
only the session knows; it is never in a URL and is deleted once imported or replaced."""

from __future__ import annotations

import secrets
import time

from django.contrib import messages
from django.core.files.base import ContentFile
from django.shortcuts import redirect, render

from clinic import audit
from clinic.permissions import role_required
from clinic.roles import Role
from clinic.storage import private_storage
from portals.imports.forms import ImportUploadForm
from portals.imports.mapping import MappingError, parse_toml
from portals.imports.report import FileProblem
from portals.imports.service import clinic_import

PENDING = "import_pending"
FOLDER = "imports"
STALE_SECONDS = 24 * 3600
SHOWN_PROBLEMS = 200


def _forget(request) -> None:
    pending = request.session.pop(PENDING, None)
    if pending:
        private_storage().delete(pending["path"])


def _sweep_stale() -> None:
    """Uploads previewed and never confirmed: gone after a day."""
    storage = private_storage()
    try:
        _, names = storage.listdir(FOLDER)
    except FileNotFoundError:
        return
    for name in names:
        path = f"{FOLDER}/{name}"
        if time.time() - storage.get_modified_time(path).timestamp() > STALE_SECONDS:
            storage.delete(path)


def _shown(report) -> dict:
    return {
        "report": report,
        "errors": report.errors[:SHOWN_PROBLEMS],
        "duplicates": report.duplicates[:SHOWN_PROBLEMS],
        "warnings": report.warnings[:SHOWN_PROBLEMS],
        "linked": report.linked[:SHOWN_PROBLEMS],
        "changed": report.changed[:SHOWN_PROBLEMS],
        "shown_limit": SHOWN_PROBLEMS,
    }


def _preview(request, form):
    data = form.cleaned_data
    content = data["file"].read()
    try:
        report = clinic_import(
            actor=request.user,
            kind=data["kind"],
            data=content,
            mapping=data["mapping"],
            dry_run=True,
            skip_bad_rows=data["skip_bad_rows"],
            link_duplicates=data["link_duplicates"],
            file_name=data["file"].name,
        )
    except FileProblem as exc:
        form.add_error("mapping" if data["mapping"] else "file", str(exc))
        return None
    _forget(request)
    _sweep_stale()
    path = private_storage().save(f"{FOLDER}/{secrets.token_hex(16)}.csv", ContentFile(content))
    request.session[PENDING] = {
        "path": path,
        "kind": data["kind"],
        "mapping": form.data.get("mapping", "").strip(),
        "skip_bad_rows": data["skip_bad_rows"],
        "link_duplicates": data["link_duplicates"],
        "file_name": data["file"].name[:100],
    }
    audit.record(
        actor=request.user,
        action="view",
        detail=f"import preview of {report.rows} {data['kind']} rows ({data['file'].name})"[:300],
    )
    return report


def _confirm(request):
    pending = request.session.get(PENDING)
    if not pending:
        messages.error(request, "Nothing waits to be imported: upload the file again.")
        return redirect("import_upload")
    try:
        with private_storage().open(pending["path"], "rb") as handle:
            content = handle.read()
    except FileNotFoundError:
        request.session.pop(PENDING, None)
        messages.error(request, "The uploaded file is gone (older than a day?): upload it again.")
        return redirect("import_upload")
    try:
        mapping = parse_toml(pending["mapping"], name="mapping") if pending["mapping"] else None
        report = clinic_import(
            actor=request.user,
            kind=pending["kind"],
            data=content,
            mapping=mapping,
            skip_bad_rows=pending["skip_bad_rows"],
            link_duplicates=pending.get("link_duplicates", False),
            file_name=pending["file_name"],
        )
    except (FileProblem, MappingError) as exc:
        _forget(request)
        messages.error(request, f"{exc} Nothing was imported.")
        return redirect("import_upload")
    if report.written:
        _forget(request)
    return render(
        request,
        "portals/import.html",
        {"form": None, "step": "done", "pending": pending, **_shown(report)},
    )


@role_required(Role.ADMIN)
def import_upload(request):
    if request.method == "POST" and request.POST.get("step") == "confirm":
        return _confirm(request)
    if request.method == "POST" and request.POST.get("step") == "cancel":
        pending = request.session.get(PENDING) or {}
        _forget(request)
        messages.info(request, "The import was cancelled; the uploaded file is deleted.")
        # What was typed comes back (the file must be chosen again: browsers never re-send it).
        initial = {
            key: pending[key]
            for key in ("kind", "mapping", "skip_bad_rows", "link_duplicates")
            if key in pending
        }
        form = ImportUploadForm(initial=initial)
        return render(request, "portals/import.html", {"form": form, "step": "upload"})
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        report = _preview(request, form)
        if report is not None:
            return render(
                request,
                "portals/import.html",
                {
                    "form": None,
                    "step": "preview",
                    "pending": request.session[PENDING],
                    **_shown(report),
                },  # fmt: skip
            )
    return render(request, "portals/import.html", {"form": form, "step": "upload"})
