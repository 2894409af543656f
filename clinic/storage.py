"""Private file storage: files live outside every public URL; only access-checked views serve
them. Asking such a file for a URL is a bug, so it fails loudly."""

from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    def url(self, name):
        raise ValueError("Private files have no URL; serve them through an access-checked view.")
