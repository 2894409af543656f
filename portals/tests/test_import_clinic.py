"""Importing another system's clients and appointments (manage.py import_clinic, /imports/)."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from clinic.models import AuditEntry, Client
from clinic.tests.factories import ClientFactory, TherapistFactory
from portals.imports.mapping import parse_toml
from portals.imports.service import clinic_import
from portals.models import ImportedRecord
from scheduling.models import Appointment
from scheduling.tests.factories import (
    AppointmentFactory,
    AppointmentTypeFactory,
    RoomFactory,
    WorkingHoursFactory,
)

pytestmark = pytest.mark.django_db

CLIENTS = """id,first_name,last_name,date_of_birth,email,phone
c1,Ada,Lovelace,1985-12-10,ada@example.test,555-0101
c2,Alan,Turing,1982-06-23,,
c3,Grace,Hopper,1976-12-09,,(555) 010-0123
"""


def run(tmp_path, text, *args, name="file.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = StringIO()
    call_command("import_clinic", str(path), *args, stdout=out)
    return out.getvalue()


def run_failing(tmp_path, text, *args):
    with pytest.raises(CommandError) as caught:
        run(tmp_path, text, *args)
    return str(caught.value)


# --- clients ---------------------------------------------------------------------------------


def test_clients_import_and_a_rerun_changes_nothing(tmp_path):
    out = run(tmp_path, CLIENTS, "--kind", "clients")
    assert "imported 3 clients" in out
    ada = Client.objects.get(last_name="Lovelace")
    assert ada.date_of_birth == dt.date(1985, 12, 10)
    assert ada.search_name == "ADA LOVELACE"
    assert Client.objects.get(last_name="Hopper").phone_digits == "5550100123"
    assert ImportedRecord.objects.get(source="generic", source_id="c1").object_id == ada.pk
    entry = AuditEntry.objects.get(detail__startswith="imported 3 clients")
    assert entry.actor_label == "system"
    own = AuditEntry.objects.get(client=ada)
    assert (own.action, own.detail) == ("create", "imported from generic (id c1)")

    before = (Client.objects.count(), ImportedRecord.objects.count(), AuditEntry.objects.count())
    out = run(tmp_path, CLIENTS, "--kind", "clients")
    assert "3 already imported" in out
    assert "imported 0 clients" in out
    after = (Client.objects.count(), ImportedRecord.objects.count(), AuditEntry.objects.count())
    assert after == before


def test_malformed_rows_each_reported_with_line_and_field_and_nothing_imported(tmp_path):
    text = (
        "id,first_name,last_name,date_of_birth,email,phone\n"
        "c1,Ada,Lovelace,1985-12-10,,\n"
        "c2,,Turing,1982-02-31,not-an-email,call me\n"
        ",Grace,Hopper,2999-01-01,,\n"
        "c1,Ada,Again,1985-12-10,,\n"
        f"c5,{'x' * 101},Long,1980-01-01,,\n"
    )
    message = run_failing(tmp_path, text, "--kind", "clients")
    assert "nothing was imported" in message
    out = StringIO()
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(CommandError):
        call_command("import_clinic", str(path), "--kind", "clients", stdout=out)
    out = out.getvalue()
    assert "line 3, first_name: is required" in out
    assert "line 3, date_of_birth: 1982-02-31 is not a date (expected YYYY-MM-DD)" in out
    assert "line 3, email: not-an-email is not an e-mail address" in out
    assert "line 3, phone: call me" in out
    assert "line 4, source_id: is required" in out
    assert "line 4, date_of_birth: 2999-01-01: The date of birth cannot be in the future." in out
    assert "line 5, source_id: c1 is also on line 2" in out
    assert "line 6, first_name: at most 100 characters (this one has 101)" in out
    assert Client.objects.count() == 0
    assert ImportedRecord.objects.count() == 0


def test_skip_bad_rows_imports_the_good_ones(tmp_path):
    text = CLIENTS + "c4,Bad,Date,31/02/1980,,\n"
    out = run(tmp_path, text, "--kind", "clients", "--skip-bad-rows")
    assert "line 5, date_of_birth: 31/02/1980 is not a date (expected YYYY-MM-DD)" in out
    assert Client.objects.count() == 3
    assert "1 bad row skipped" in AuditEntry.objects.get(client=None).detail


def test_dry_run_writes_nothing(tmp_path):
    out = run(tmp_path, CLIENTS, "--kind", "clients", "--dry-run")
    assert "would import 3 clients" in out
    assert "Dry run: nothing was written." in out
    assert Client.objects.count() == 0
    assert ImportedRecord.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_duplicates_by_the_registration_rule_are_reported_not_imported(tmp_path):
    existing = ClientFactory(
        first_name="Zoë", last_name="O'Brien", date_of_birth=dt.date(1990, 5, 1)
    )
    text = (
        "id,first_name,last_name,date_of_birth\n"
        "c1,zoe,OBrien,1990-05-01\n"  # the registered Zoë O'Brien
        "c2,Zoe,O'Brien,1991-05-01\n"  # another birth date: another person
        "c3,Max,Muster,1970-01-01\n"
        "c4,MAX,Muster,1970-01-01\n"  # the same as line 4
    )
    out = run(tmp_path, text, "--kind", "clients")
    assert f"line 2: zoe OBrien born 1990-05-01 is already registered (client {existing}" in out
    assert "line 5: MAX Muster born 1970-01-01 is also on line 4: not imported" in out
    assert "imported 2 clients" in out
    assert Client.objects.filter(last_name__in=["OBrien", "O'Brien"]).count() == 2
    assert not ImportedRecord.objects.filter(source_id__in=["c1", "c4"]).exists()


def test_linking_duplicates_on_request_changes_nothing_of_theirs(tmp_path):
    zoe = ClientFactory(first_name="Zoë", last_name="O'Brien", date_of_birth=dt.date(1990, 5, 1))
    twins = [
        ClientFactory(first_name="Sam", last_name="Lee", date_of_birth=dt.date(1980, 1, 1))
        for _ in range(2)
    ]
    text = (
        "id,first_name,last_name,date_of_birth,email\n"
        "c1,zoe,OBrien,1990-05-01,new@example.test\n"  # the registered Zoë O'Brien
        "c2,Sam,Lee,1980-01-01,\n"  # two registered matches: left for the admin
        "c3,Max,Muster,1970-01-01,\n"
    )
    before = Client.objects.get(pk=zoe.pk)
    out = run(tmp_path, text, "--kind", "clients", "--link-duplicates")
    assert "imported 1 client, 1 duplicate linked" in out
    assert f"line 2: zoe OBrien born 1990-05-01 linked to the registered client {zoe}" in out
    assert "more than one registered client matches" in out
    assert ImportedRecord.objects.get(source_id="c1").object_id == zoe.pk
    assert not ImportedRecord.objects.filter(source_id="c2").exists()
    after = Client.objects.get(pk=zoe.pk)
    assert (after.first_name, after.last_name, after.email) == (
        before.first_name,
        before.last_name,
        before.email,
    )
    assert AuditEntry.objects.filter(client=zoe, detail__contains="a duplicate, not merged")
    assert Client.objects.filter(last_name="Lee").count() == len(twins)
    # Without the flag a re-run still reports nothing new: c1 is now known.
    out = run(tmp_path, text, "--kind", "clients")
    assert "2 already imported" in out


def test_a_row_changed_in_the_source_is_reported_not_applied(tmp_path):
    run(tmp_path, CLIENTS, "--kind", "clients")
    changed = CLIENTS.replace("ada@example.test", "ada@new.example.test")
    out = run(tmp_path, changed, "--kind", "clients", "--dry-run")
    assert "1 row changed in the source (not updated)" in out
    assert "line 2, email: differs from the client here (Ada Lovelace" in out
    run(tmp_path, changed, "--kind", "clients")
    assert Client.objects.get(last_name="Lovelace").email == "ada@example.test"


def test_a_mapping_file(tmp_path):
    mapping = tmp_path / "old.toml"
    mapping.write_text(
        'source = "oldclinic"\n'
        'date_format = "%d.%m.%Y"\n'
        "[columns]\n"
        'source_id = "Nr"\nfirst_name = "Vorname"\nlast_name = "Nachname"\n'
        'date_of_birth = "Geburtsdatum"\nphone = "Telefon"\n'
    )
    text = "Nr,Vorname,Nachname,Geburtsdatum,Telefon\n7,Jörg,Maier,31.01.1960,030 1234\n"
    out = run(tmp_path, text, "--kind", "clients", "--mapping", str(mapping))
    assert "mapping custom, source 'oldclinic'" in out
    client = Client.objects.get()
    assert (client.first_name, client.date_of_birth) == ("Jörg", dt.date(1960, 1, 31))
    assert ImportedRecord.objects.get().source == "oldclinic"


def test_a_broken_mapping_file_is_a_clear_error(tmp_path):
    mapping = tmp_path / "bad.toml"
    mapping.write_text("[columns]\nfirst_nme = 'First'\n")
    message = run_failing(tmp_path, CLIENTS, "--kind", "clients", "--mapping", str(mapping))
    assert "unknown fields: first_nme" in message


def test_a_preset_is_picked_from_the_header(tmp_path):
    text = (
        "Patient ID,First Name,Last Name,Birth Date,Email,Mobile Phone\n"
        "P-1,Ada,Lovelace,12/10/1985,ada@example.test,555-0101\n"
    )
    out = run(tmp_path, text, "--kind", "clients")
    assert "mapping janeapp-like, source 'janeapp-like'" in out
    assert Client.objects.get().date_of_birth == dt.date(1985, 12, 10)


def test_an_unknown_header_says_what_is_missing(tmp_path):
    message = run_failing(tmp_path, "a,b\n1,2\n", "--kind", "clients")
    assert "No preset matches" in message


def test_not_utf8_is_a_clear_error(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(
        "id,first_name,last_name,date_of_birth\n1,Jörg,M,1960-01-01\n".encode("latin-1")
    )
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("import_clinic", str(path), "--kind", "clients", stdout=StringIO())


def test_only_the_admin_may_import(cast):
    from django.core.exceptions import PermissionDenied

    for user in (cast.therapist, cast.frontdesk, cast.biller, cast.client_user):
        with pytest.raises(PermissionDenied):
            clinic_import(actor=user, kind="clients", data=CLIENTS.encode())
    report = clinic_import(actor=cast.admin, kind="clients", data=CLIENTS.encode())
    assert report.written and report.created == 3
    assert AuditEntry.objects.filter(actor=cast.admin, detail__startswith="imported 3").exists()


# --- appointments ----------------------------------------------------------------------------


@pytest.fixture
def schedule(db):
    therapist = TherapistFactory(
        user__username="mia", user__first_name="Mia", user__last_name="Sand"
    )
    for weekday in range(7):
        WorkingHoursFactory(therapist=therapist, weekday=weekday)  # 09:00-17:00
    kind = AppointmentTypeFactory(name="Medical massage 60", duration_minutes=60)
    room = RoomFactory(name="Room A")
    clinic_import(actor=None, kind="clients", data=CLIENTS.encode())
    return therapist, kind, room


APPOINTMENTS_HEADER = "id,client_id,therapist,type,start,end,room,status\n"


def test_appointments_import_and_rerun(tmp_path, schedule):
    therapist, kind, room = schedule
    text = APPOINTMENTS_HEADER + (
        "a1,c1,mia,Medical massage 60,2027-01-04 10:00,,Room A,booked\n"
        "a2,c2,Mia Sand,medical massage 60,2026-06-01 09:00,2026-06-01 09:45,,completed\n"
        "a3,c3,mia,Medical massage 60,2027-01-04 10:00,,,cancelled\n"
    )
    out = run(tmp_path, text, "--kind", "appointments")
    assert "imported 3 appointments" in out
    first = Appointment.objects.get(client__last_name="Lovelace")
    assert first.starts_at == dt.datetime(2027, 1, 4, 15, 0, tzinfo=dt.UTC)  # EST, UTC-5
    assert first.ends_at - first.starts_at == dt.timedelta(minutes=60)
    assert first.room == room and first.therapist == therapist
    second = Appointment.objects.get(client__last_name="Turing")
    assert second.starts_at == dt.datetime(2026, 6, 1, 13, 0, tzinfo=dt.UTC)  # EDT, UTC-4
    assert second.ends_at - second.starts_at == dt.timedelta(minutes=45)
    assert second.status == "completed"
    assert Appointment.objects.get(client__last_name="Hopper").cancelled_at is not None
    assert AuditEntry.objects.get(object_id=str(first.pk)).client == first.client

    out = run(tmp_path, text, "--kind", "appointments")
    assert "imported 0 appointments, 3 already imported" in out
    assert Appointment.objects.count() == 3


def test_a_linked_duplicates_appointments_find_the_registered_client(tmp_path, schedule):
    zoe = ClientFactory(first_name="Zoë", last_name="O'Brien", date_of_birth=dt.date(1990, 5, 1))
    run(
        tmp_path,
        "id,first_name,last_name,date_of_birth\nz9,Zoe,OBrien,1990-05-01\n",
        "--kind",
        "clients",
        "--link-duplicates",
    )
    text = APPOINTMENTS_HEADER + "a9,z9,mia,Medical massage 60,2027-01-05 10:00,,,booked\n"
    out = run(tmp_path, text, "--kind", "appointments")
    assert "imported 1 appointment," in out
    assert Appointment.objects.get().client == zoe


def test_client_by_name_and_birth_date(tmp_path, schedule):
    text = (
        "id,client_first_name,client_last_name,client_date_of_birth,therapist,type,start\n"
        "a1,ada,LOVELACE,1985-12-10,mia,Medical massage 60,2027-01-04 10:00\n"
        "a2,Nobody,Known,1985-12-10,mia,Medical massage 60,2027-01-04 12:00\n"
    )
    out = run(tmp_path, text, "--kind", "appointments", "--skip-bad-rows")
    assert "line 3, client_last_name: no client Nobody Known born 1985-12-10" in out
    assert Appointment.objects.get().client.last_name == "Lovelace"


def test_dst_days_nonexistent_and_ambiguous_times(tmp_path, schedule):
    text = APPOINTMENTS_HEADER + (
        "a1,c1,mia,Medical massage 60,2026-03-08 02:30,,,completed\n"
        "a2,c1,mia,Medical massage 60,2026-11-01 01:30,,,completed\n"
        "a3,c2,mia,Medical massage 60,2026-11-01 01:30 -0500,,,completed\n"
        "a4,c3,mia,Medical massage 60,2026-03-08 03:30,,,completed\n"
    )
    path = tmp_path / "dst.csv"
    path.write_text(text)
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("import_clinic", str(path), "--kind", "appointments", stdout=out)
    out = out.getvalue()
    assert (
        "line 2, starts_at: 2026-03-08 02:30 does not exist in America/New_York: the clocks "
        "skip it when daylight saving time starts" in out
    )
    assert "line 3, starts_at: 2026-11-01 01:30 happens twice in America/New_York" in out
    errors = out.split("Warnings:")[0]
    assert "-0400" in errors and "line 4" not in errors and "line 5" not in errors
    assert "line 4, starts_at: Outside Mia Sand's working hours" in out  # history: a warning
    assert Appointment.objects.count() == 0  # all or nothing

    call_command(
        "import_clinic", str(path), "--kind", "appointments", "--skip-bad-rows", stdout=StringIO()
    )
    given_offset = Appointment.objects.get(client__last_name="Turing")
    assert given_offset.starts_at == dt.datetime(2026, 11, 1, 6, 30, tzinfo=dt.UTC)  # EST
    after_jump = Appointment.objects.get(client__last_name="Hopper")
    assert after_jump.starts_at == dt.datetime(2026, 3, 8, 7, 30, tzinfo=dt.UTC)  # EDT


def test_overlaps_and_hours_are_reported_not_forced(tmp_path, schedule):
    therapist, kind, room = schedule
    other = TherapistFactory(user__username="leo")
    WorkingHoursFactory(therapist=other, weekday=0)
    AppointmentFactory(
        therapist=therapist,
        appointment_type=kind,
        starts_at=dt.datetime(2027, 1, 4, 19, 0, tzinfo=dt.UTC),  # 14:00 local
    )
    text = APPOINTMENTS_HEADER + (
        "a1,c1,mia,Medical massage 60,2027-01-04 14:30,,,booked\n"  # therapist busy
        "a2,c1,leo,Medical massage 60,2027-01-04 10:00,,Room A,booked\n"
        "a3,c2,mia,Medical massage 60,2027-01-04 10:30,,Room A,booked\n"  # room, line 3
        "a4,c1,mia,Medical massage 60,2027-01-04 10:30,,,booked\n"  # client, line 3
        "a5,c2,mia,Medical massage 60,2027-01-04 18:00,,,booked\n"  # after hours, future
        "a6,c2,leo,Medical massage 60,2026-06-02 20:00,,,completed\n"  # after hours, past
    )
    path = tmp_path / "clash.csv"
    path.write_text(text)
    out = StringIO()
    call_command(
        "import_clinic", str(path), "--kind", "appointments", "--skip-bad-rows", stdout=out
    )
    out = out.getvalue()
    assert "line 2, starts_at: overlap: " in out and "already has an appointment then" in out
    assert "line 4, starts_at: overlap: Room A is used by the appointment on line 3 then" in out
    assert "line 5, starts_at: overlap: the client has the appointment on line 3 then" in out
    assert "line 6, starts_at: Outside " in out
    assert "Warnings:\n  line 7, starts_at: " in out and "Imported: it is in the past" in out
    assert set(
        ImportedRecord.objects.filter(kind="appointment").values_list("source_id", flat=True)
    ) == {"a2", "a6"}


def test_unknown_therapist_type_status_and_client_are_row_errors(tmp_path, schedule):
    text = APPOINTMENTS_HEADER + "a1,zz,nobody,Reiki,2027-01-04 10:00,,Attic,maybe\n"
    path = tmp_path / "bad.csv"
    path.write_text(text)
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("import_clinic", str(path), "--kind", "appointments", stdout=out)
    out = out.getvalue()
    for expected in (
        "line 2, client_source_id: no client imported from 'generic' has id zz",
        "line 2, therapist: no therapist with the username or name nobody",
        "line 2, appointment_type: no appointment type named Reiki",
        "line 2, room: no room named Attic",
        "line 2, status: maybe is not one of booked, completed, cancelled, no_show",
    ):
        assert expected in out


def test_parse_toml_rejects_unknown_keys():
    from portals.imports.mapping import MappingError

    with pytest.raises(MappingError, match="unknown keys: colums"):
        parse_toml("colums = 1\n[columns]\nfirst_name = 'A'\n")


# --- the admin page --------------------------------------------------------------------------


@pytest.fixture
def private_in_tmp(settings, tmp_path):
    """Private storage (where an upload waits between preview and confirm) in tmp_path."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "clinic.storage.PrivateStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }


def _upload(client, text, **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        "/imports/",
        {
            "step": "preview",
            "kind": "clients",
            "file": SimpleUploadedFile("old.csv", text.encode(), content_type="text/csv"),
            **extra,
        },
    )


def test_page_upload_preview_confirm(client, cast, private_in_tmp, tmp_path):
    client.force_login(cast.admin)
    assert client.get("/imports/").status_code == 200
    before = Client.objects.count()
    text = CLIENTS + "c4,Oriana,Quillfeather,1980-01-01,,\n"  # the cast's client: a duplicate
    response = _upload(client, text)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Preview of old.csv" in page and "Lovelace" in page
    assert "line 5: Oriana Quillfeather born 1980-01-01 is already registered" in page
    assert Client.objects.count() == before  # a preview saves nothing
    waiting = list((tmp_path / "imports").iterdir())
    assert len(waiting) == 1 and waiting[0].name not in page  # its name is never shown
    assert AuditEntry.objects.filter(actor=cast.admin, detail__startswith="import preview").exists()

    response = client.post("/imports/", {"step": "confirm"})
    assert response.status_code == 200
    assert "3 clients imported" in response.content.decode()
    assert Client.objects.count() == before + 3
    assert not list((tmp_path / "imports").iterdir())  # the upload is deleted
    assert AuditEntry.objects.filter(actor=cast.admin, detail__startswith="imported 3").exists()

    # Cancelling a preview deletes the upload and gives the form back with what was typed.
    mapping = "[columns]\nsource_id = 'id'\nfirst_name = 'first_name'\nlast_name = 'last_name'\n"
    mapping += "date_of_birth = 'date_of_birth'\n"
    _upload(
        client, "id,first_name,last_name,date_of_birth\nz1,Zed,Zulu,1970-01-01\n", mapping=mapping
    )
    assert len(list((tmp_path / "imports").iterdir())) == 1
    response = client.post("/imports/", {"step": "cancel"})
    assert "date_of_birth = &#x27;date_of_birth&#x27;" in response.content.decode()
    assert not list((tmp_path / "imports").iterdir())

    # Confirming again: nothing waits.
    response = client.post("/imports/", {"step": "confirm"})
    assert response.status_code == 302
    assert Client.objects.count() == before + 3


def test_page_links_a_duplicate_when_asked(client, cast, private_in_tmp):
    client.force_login(cast.admin)
    text = "id,first_name,last_name,date_of_birth\nc4,Oriana,Quillfeather,1980-01-01\n"
    page = _upload(client, text, link_duplicates="on").content.decode()
    assert "Duplicates to link" in page and "Import 0 clients and link 1" in page
    assert not ImportedRecord.objects.exists()  # a preview links nothing
    page = client.post("/imports/", {"step": "confirm"}).content.decode()
    assert "0 clients imported, 1 linked" in page
    assert ImportedRecord.objects.get(source_id="c4").object_id == cast.client.pk


def test_page_errors_at_the_field_and_mapping_kept(client, cast):
    client.force_login(cast.admin)
    response = _upload(client, "a,b\n1,2\n", mapping="[columns]\nfirst_nme = 'x'\n")
    assert response.status_code == 200
    page = response.content.decode()
    assert "unknown fields: first_nme" in page
    assert "first_nme = &#x27;x&#x27;" in page  # what was typed is kept
    response = _upload(client, "a,b\n1,2\n")
    assert "No preset matches" in response.content.decode()
    response = client.post("/imports/", {"step": "preview", "kind": "clients"})
    assert response.status_code == 200 and "This field is required" in response.content.decode()


def test_page_is_the_admins_only(client, cast):
    for user in (
        cast.therapist,
        cast.frontdesk,
        cast.biller,
        cast.client_user,
        cast.physician_user,
    ):
        client.force_login(user)
        assert client.get("/imports/").status_code == 403
        assert _upload(client, CLIENTS).status_code == 403
    assert Client.objects.filter(last_name="Lovelace").count() == 0


def test_queries_do_not_grow_with_rows():
    """Two reads per batch of 1,000 rows (already imported? registered duplicates?), never
    one per row; the INSERTs are bulk (SQLite's limit on parameters splits them into more
    statements than PostgreSQL's). 10,000 rows are timed by bench/import_clients.py."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ClientFactory(first_name="Row", last_name="Seventeen", date_of_birth=dt.date(1950, 1, 18))
    lines = ["id,first_name,last_name,date_of_birth,phone"]
    for n in range(3000):
        lines.append(f"r{n},Row,{'Seventeen' if n == 17 else f'N{n}'},1950-01-{n % 28 + 1:02d},555")
    data = ("\n".join(lines) + "\n").encode()
    with CaptureQueriesContext(connection) as queries:
        report = clinic_import(actor=None, kind="clients", data=data)
    assert report.created == 2999 and len(report.duplicates) == 1
    assert Client.objects.count() == 3000
    reads = [q for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert len(reads) <= 6
    assert len(queries.captured_queries) < 3000 / 20
    with CaptureQueriesContext(connection) as queries:
        report = clinic_import(actor=None, kind="clients", data=data)
    assert report.unchanged == 2999 and report.created == 0
    # A re-run reads, per batch, the rows imported before and those clients (to report rows
    # changed in the source): 2 x 3 batches; and the registered duplicates of the one row
    # not imported (line 19's, in the first batch).
    reads = [q for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert len(reads) <= 7
    assert len(queries.captured_queries) <= 11
