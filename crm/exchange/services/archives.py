"""Zip archives 1C sends when `init` answers `zip=yes`.

1C packs the XML files and the pictures (`import_files/…`) of an exchange into one
archive, sends it in parts like any file (`mode=file`), then asks to import the XML
files by name (`mode=import&filename=import0_1.xml`). The archive is unpacked at the
first `import` after it arrived (or when it is imported by its own name, as the
files of orders are).

An archive is a file from outside, so it is opened with suspicion: at most
`CRM_EXCHANGE_UNZIP_MAX_FILES` entries and `CRM_EXCHANGE_UNZIP_MAX_SIZE` bytes
unpacked — counted while writing, since the sizes in the archive's own directory
may lie — no encrypted entries, and no entry that names a path outside the session
directory (absolute, a drive, `..`): such an archive is refused whole before a
byte is written. Only XML files and pictures are taken; the rest is left out and
counted. XML files are kept flat, as 1C names them in `import`; pictures keep their
path, as Картинка names them.
"""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm.exchange.commerceml.reader import CommerceMLError
from crm.exchange.models import ExchangeRun, ExchangeSession, RunStatus
from crm.exchange.services.access import ensure_can_exchange
from crm.exchange.services.files import safe_filename, session_dir
from crm.exchange.services.pictures import is_image_name, relative_parts

MAGIC = b"PK\x03\x04"
BLOCK = 1024 * 1024


def is_archive(path: Path) -> bool:
    """Whether the file is a zip archive (by its first bytes, whatever its name)."""
    try:
        with path.open("rb") as source:
            return source.read(4) == MAGIC
    except OSError:
        return False


def _refuse(message: str) -> CommerceMLError:
    return CommerceMLError(message)


def _plan(archive: zipfile.ZipFile, folder: Path, own: Path) -> tuple[list, int]:
    """(entry, target) pairs to unpack and the number left out; raises for an
    archive that must not be unpacked at all."""
    entries = archive.infolist()
    if len(entries) > settings.CRM_EXCHANGE_UNZIP_MAX_FILES:
        raise _refuse(
            _("The archive holds %(count)d files; at most %(limit)d are taken.")
            % {"count": len(entries), "limit": settings.CRM_EXCHANGE_UNZIP_MAX_FILES}
        )
    declared = sum(entry.file_size for entry in entries)
    if declared > settings.CRM_EXCHANGE_UNZIP_MAX_SIZE:
        raise _too_large()
    plan, skipped, targets = [], 0, set()
    for entry in entries:
        parts = relative_parts(entry.filename)
        if parts is None:
            raise _refuse(
                _("The archive names a file outside its folder: %(name)s.")
                % {"name": entry.filename}
            )
        if entry.is_dir():
            continue
        if entry.flag_bits & 0x1:
            raise _refuse(_("The archive is encrypted; send it without a password."))
        name = parts[-1]
        if PurePosixPath(name.lower()).suffix == ".xml":
            target = folder / safe_filename(name)
        elif is_image_name(name):
            target = folder.joinpath(*parts)
        else:
            skipped += 1
            continue
        if target == own or target in targets:
            raise _refuse(
                _("The archive holds the file %(name)s twice.") % {"name": name}
            )
        targets.add(target)
        plan.append((entry, target))
    return plan, skipped


def _too_large() -> CommerceMLError:
    return _refuse(
        _("The archive unpacks to more than %(size)d MB.")
        % {"size": settings.CRM_EXCHANGE_UNZIP_MAX_SIZE // (1024 * 1024)}
    )


def _extract(archive: zipfile.ZipFile, plan: list, folder: Path) -> None:
    """Write the planned entries, counting the bytes really unpacked."""
    root = folder.resolve()
    written = 0
    for entry, target in plan:
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink() or not target.parent.resolve().is_relative_to(root):
            raise _refuse(
                _("The archive names a file outside its folder: %(name)s.")
                % {"name": entry.filename}
            )
        with archive.open(entry) as source, target.open("wb") as out:
            while block := source.read(BLOCK):
                written += len(block)
                if written > settings.CRM_EXCHANGE_UNZIP_MAX_SIZE:
                    raise _too_large()
                out.write(block)


def _register(run: ExchangeRun, target: Path) -> ExchangeRun:
    """The run of an unpacked XML file, ready to import (a file of the same name
    from an earlier round starts afresh)."""
    unpacked, _created = ExchangeRun.objects.update_or_create(
        session=run.session,
        filename=target.name,
        defaults={
            "status": RunStatus.RECEIVED,
            "archive": run,
            "size": target.stat().st_size,
            "stats": {},
            "errors": [],
            "message": "",
            "started_at": timezone.now(),
            "finished_at": None,
        },
    )
    return unpacked


def import_order(run: ExchangeRun) -> tuple[int, str]:
    """The catalogue before its offers, the offers before the rest."""
    name = run.filename.lower()
    rank = 0 if name.startswith("import") else 1 if name.startswith("offers") else 2
    return rank, name


def archive_unpack(*, actor, run: ExchangeRun) -> list[ExchangeRun]:
    """Unpack a received archive into its session's directory.

    Returns the runs of the XML files it held, in the order to import them; the
    archive's own run ends `done` with what it held, or `failed` with the reason
    (and then raises CommerceMLError, so the protocol answers `failure`). Files
    unpacked before a fault are removed.
    """
    ensure_can_exchange(actor=actor)
    folder = session_dir(run.session)
    path = folder / run.filename
    written: list[Path] = []
    try:
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError):
            raise _refuse(
                _("The file %(name)s is not a zip archive that can be read.")
                % {"name": run.filename}
            ) from None
        with archive:
            plan, skipped = _plan(archive, folder, path)
            written = [target for _entry, target in plan]
            try:
                _extract(archive, plan, folder)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError):
                raise _refuse(
                    _("The archive %(name)s is damaged.") % {"name": run.filename}
                ) from None
    except CommerceMLError as error:
        for target in written:
            if target.is_file() and not target.is_symlink():
                target.unlink()
        run.status, run.message = RunStatus.FAILED, error.message
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "message", "finished_at"])
        raise
    xml = [target for target in written if target.suffix.lower() == ".xml"]
    pictures = len(written) - len(xml)
    with transaction.atomic():
        runs = sorted((_register(run, target) for target in xml), key=import_order)
        run.status = RunStatus.DONE
        run.stats = {
            "archive": {
                "created": len(written),
                "updated": 0,
                "unchanged": 0,
                "refused": skipped,
            }
        }
        run.message = ngettext(
            "Unpacked %(xml)d XML file and %(pictures)d pictures; %(skipped)d "
            "other files left out.",
            "Unpacked %(xml)d XML files and %(pictures)d pictures; %(skipped)d "
            "other files left out.",
            len(xml),
        ) % {"xml": len(xml), "pictures": pictures, "skipped": skipped}
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "stats", "message", "finished_at"])
    return runs


def archives_unpack_received(*, actor, session: ExchangeSession) -> None:
    """Unpack every archive of the session that arrived since its last import.

    Each archive is claimed (received → running) before it is unpacked, so two
    calls at once do not unpack it twice.
    """
    ensure_can_exchange(actor=actor)
    folder = session_dir(session)
    for run in ExchangeRun.objects.filter(
        session=session, status=RunStatus.RECEIVED, archive__isnull=True
    ).order_by("pk"):
        if not is_archive(folder / run.filename):
            continue
        claimed = ExchangeRun.objects.filter(
            pk=run.pk, status=RunStatus.RECEIVED
        ).update(status=RunStatus.RUNNING)
        if claimed:
            archive_unpack(actor=actor, run=run)
