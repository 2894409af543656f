"""Private file storage: files live outside every public URL; only access-checked views serve
them. Asking such a file for a URL is a bug, so it fails loudly."""

import io

from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404

# Health data: never kept by a browser or a proxy cache.
PRIVATE_CACHE_CONTROL = "private, no-store"


class PrivateStorage(FileSystemStorage):
    # Health records: readable by the app's own user only, whatever the process umask says.
    def __init__(
        self,
        location=None,
        base_url=None,
        file_permissions_mode=0o600,
        directory_permissions_mode=0o700,
        **kwargs,
    ):
        super().__init__(
            location, base_url, file_permissions_mode, directory_permissions_mode, **kwargs
        )

    def url(self, name):
        raise ValueError("Private files have no URL; serve them through an access-checked view.")


def private_storage():
    """The storage of health records' files (a FileField's `storage`, resolved when used, so
    tests and deployments can point STORAGES["private"] elsewhere)."""
    from django.core.files.storage import storages

    return storages["private"]


def private_file_response(file, *, filename: str, content_type: str) -> FileResponse:
    """A private file as a download, for a view that has checked access and written its audit
    entry: an attachment under `filename` (a name that travels without us: say nothing in it),
    never cached, never sniffed into HTML. A missing file is a 404.

    Read whole (plan PDFs are tens of KB, letters at most 10 MB) so the storage handle is
    closed before the response leaves, however slow or broken off the download."""
    try:
        with file.open("rb") as handle:
            content = handle.read()
    except FileNotFoundError:
        raise Http404("The file is missing.") from None
    response = FileResponse(
        io.BytesIO(content), as_attachment=True, filename=filename, content_type=content_type
    )
    response["Cache-Control"] = PRIVATE_CACHE_CONTROL
    response["X-Content-Type-Options"] = "nosniff"
    return response
