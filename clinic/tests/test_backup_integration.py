"""ops/backup.sh and ops/restore.sh against real PostgreSQL: the demo clinic (with its plan PDFs
and a referral letter) is backed up, restored into a fresh database and an empty private folder,
and comes back whole: every table's rows, a client's record, the files byte for byte, and an
audit trail that is complete and still append-only."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import stat
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from clinic.models import AuditEntry, Client, User
from clinic.roles import Role
from conftest import _database_url

ROOT = Path(settings.BASE_DIR)
APPS = ("clinic", "intake", "treatment_plans", "sessions_log")


def _run(script: str, *args: str, database_url: str, private_root: Path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "clinic.settings_test",
        "DATABASE_URL": database_url,
        "CLINIC_PRIVATE_ROOT": str(private_root),
    }
    return subprocess.run(
        [shutil.which("bash"), str(ROOT / "ops" / script), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _tables() -> list[str]:
    """Every table of the clinic's apps, many-to-many tables included (those migrated so far:
    a model still waiting for its migration has no table on either side)."""
    tables = set()
    for label in APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            tables.add(model._meta.db_table)
    return sorted(tables & set(connection.introspection.table_names()))


def _counts(cursor, tables) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - names from the models
        counts[table] = cursor.fetchone()[0]
    return counts


AUDIT_COLUMNS = (
    "id, at, actor_id, actor_label, ip_address, action, client_id, object_type, object_id, detail"
)


def _audit_rows(cursor):
    cursor.execute(f"SELECT {AUDIT_COLUMNS} FROM clinic_auditentry ORDER BY id")  # noqa: S608
    return [tuple(str(value) for value in row) for row in cursor.fetchall()]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _private_files(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): _sha256(path) for path in root.rglob("*") if path.is_file()
    }


@pytest.fixture
def scratch_database():
    """A fresh, empty database next to the test database; dropped afterwards."""
    db = settings.DATABASES["default"]
    name = f"clinic_restore_{uuid.uuid4().hex[:10]}"
    host = ["-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432)]
    user = ["-U", db.get("USER") or "postgres"]
    subprocess.run([shutil.which("createdb"), *host, *user, name], check=True)
    yield name, _database_url({**db, "NAME": name})
    subprocess.run(
        [shutil.which("dropdb"), *host, *user, "--if-exists", "--force", name], check=True
    )


def _seed():
    from celery import current_app

    from intake.services.uploads import referral_letter_store

    # The PDFs render in this process so they are in private storage before the backup.
    current_app.conf.task_always_eager = True
    call_command("seed_demo", stdout=io.StringIO())
    therapist = User.objects.filter(role=Role.THERAPIST).first()
    client = Client.objects.order_by("last_name").first()
    letter = SimpleUploadedFile("referral.pdf", b"%PDF-1.4\n%referral\n", "application/pdf")
    referral_letter_store(actor=therapist, client=client, uploaded_file=letter)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_backup_restores_into_an_empty_database_whole(
    tmp_path, scratch_database, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _seed()
    private_root = Path(settings.PRIVATE_STORAGE_ROOT)
    from documents.models import PlanPdf
    from intake.models import ReferralLetter

    pdfs = [pdf for pdf in PlanPdf.objects.filter(status="ready") if pdf.file]
    assert len(pdfs) >= 4 and ReferralLetter.objects.exists()
    assert AuditEntry.objects.count() > 0

    source_url = _database_url(settings.DATABASES["default"])
    backups = tmp_path / "backups"
    made = _run("backup.sh", str(backups), database_url=source_url, private_root=private_root)
    assert made.returncode == 0, made.stderr
    [backup] = list(backups.iterdir())
    assert backup.name.startswith("clinic-backup-")
    assert stat.S_IMODE(backup.stat().st_mode) == 0o700
    assert {p.name for p in backup.iterdir()} == {
        "database.dump",
        "private-files.tar.gz",
        "manifest.txt",
    }
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in backup.iterdir())
    manifest = (backup / "manifest.txt").read_text()
    assert "database.dump" in manifest and "app_version:" in manifest
    assert f"clinic_client {Client.objects.count()}" in manifest
    assert "[migrations]\n[X]  " in manifest

    name, restored_url = scratch_database
    restored_root = tmp_path / "restored-private"

    # A changed byte anywhere in the backup: refused before anything is touched.
    tampered = tmp_path / "tampered"
    tampered.mkdir()
    for part in backup.iterdir():
        (tampered / part.name).write_bytes(part.read_bytes())
    dump = bytearray((tampered / "database.dump").read_bytes())
    dump[len(dump) // 2] ^= 0xFF
    (tampered / "database.dump").write_bytes(bytes(dump))
    refused = _run(
        "restore.sh", str(tampered), database_url=restored_url, private_root=restored_root
    )
    assert refused.returncode != 0 and "checksum" in refused.stderr
    assert not restored_root.exists() or not any(restored_root.iterdir())

    restored = _run(
        "restore.sh", str(backup), database_url=restored_url, private_root=restored_root
    )
    assert restored.returncode == 0, restored.stdout + restored.stderr

    tables = _tables()
    with connection.cursor() as cursor:
        source_counts = _counts(cursor, tables)
        source_audit = _audit_rows(cursor)
        sample = Client.objects.order_by("last_name").first()
        cursor.execute("SELECT * FROM clinic_client WHERE id = %s", [sample.pk])
        source_client = cursor.fetchone()
    with psycopg.connect(restored_url.replace("postgres://", "postgresql://", 1)) as target:
        with target.cursor() as cursor:
            assert _counts(cursor, tables) == source_counts
            assert _audit_rows(cursor) == source_audit
            cursor.execute("SELECT * FROM clinic_client WHERE id = %s", [sample.pk])
            assert cursor.fetchone() == source_client
        target.commit()
        # Still append-only: the trigger came back with the table.
        for statement in (
            "UPDATE clinic_auditentry SET detail = 'rewritten'",
            "DELETE FROM clinic_auditentry",
        ):
            with (
                pytest.raises(psycopg.errors.RaiseException, match="append-only"),
                target.cursor() as cursor,
            ):
                cursor.execute(statement)
            target.rollback()

    # Every private file back, byte for byte (the plan PDFs and the referral letter).
    assert _private_files(restored_root) == _private_files(private_root)
    for pdf in pdfs:
        assert _sha256(restored_root / pdf.file.name) == pdf.sha256

    # A second restore into the now non-empty database is refused.
    again = _run("restore.sh", str(backup), database_url=restored_url, private_root=tmp_path / "x")
    assert again.returncode != 0 and "already has" in again.stderr


def test_backup_refuses_sqlite_with_a_clear_message(tmp_path):
    result = _run(
        "backup.sh",
        str(tmp_path),
        database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        private_root=tmp_path,
    )
    assert result.returncode != 0
    assert "PostgreSQL" in result.stderr and "SQLite" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_restore_refuses_a_folder_that_is_not_a_backup(tmp_path):
    result = _run(
        "restore.sh",
        str(tmp_path),
        database_url="postgres://postgres@127.0.0.1:5432/nowhere",
        private_root=tmp_path / "private",
    )
    assert result.returncode != 0 and "not a backup folder" in result.stderr
