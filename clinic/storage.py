"""Private file storage: files live outside every public URL; only access-checked views serve
them. Asking such a file for a URL is a bug, so it fails loudly."""

from django.core.files.storage import FileSystemStorage


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
