"""Large imports in the background: store the upload, queue a task, record its progress and outcome.

An upload over ``SIYU_IMPORT_INLINE_MAX_BYTES`` (or any upload asked to run in the background) is
copied, a chunk at a time, to ``SIYU_IMPORT_DIR`` and gets an ``ImportJob``; the task
``siyu.imports.tasks.run_import_job`` then runs the same importer as the inline path on the stored
file. The job's progress (rows read so far) is written outside the import's transaction, so a poll
sees it while the task runs; the stored file is removed once the job has finished.

Running the task again (a worker died mid-import, and ``siyu.core.task_leases`` put it back) is
safe: the killed run's transaction was rolled back with its connection, and imports are
idempotent by (source, external id) anyway.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from siyu.core.errors import NotFound, SiyuError
from siyu.imports.errors import ImportFailed, ImportRejected
from siyu.imports.models import ImportJob, ImportJobStatus
from siyu.imports.services import IMPORTERS
from siyu.imports.services.batches import KIND_PERMISSIONS, authorize
from siyu.imports.services.options import ImportOptions
from siyu.imports.tasks import run_import_job
from siyu.tenancy.models import Merchant, Staff
from siyu.tenancy.permissions import role_has

log = logging.getLogger(__name__)

LANGUAGES = ("zh-hans", "en")
# Rows between two progress writes (each one is an UPDATE of the job row).
PROGRESS_EVERY = 5000


def import_dir() -> Path:
    """Where uploads wait for their job: ``SIYU_IMPORT_DIR`` (default ``var/imports``)."""
    path = Path(getattr(settings, "SIYU_IMPORT_DIR", settings.VAR_DIR / "imports"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def start_job(
    *,
    merchant: Merchant,
    kind: str,
    chunks: Iterable[bytes],
    filename: str,
    options: ImportOptions,
    acting_staff: Staff | None,
) -> ImportJob:
    """Store an upload and queue its import; refuses at once what needs no reading (rights, options).

    ``rows_total`` starts as the file's line count (an estimate for CSV: a header, blank lines and
    quoted line breaks make it a little high; unknown for Excel).
    """

    if kind not in IMPORTERS:
        raise NotFound()
    authorize(acting_staff, kind)
    options.check()
    stored_name = f"{uuid.uuid4().hex}.upload"
    size = lines = 0
    last = b""
    with (import_dir() / stored_name).open("wb") as out:
        for chunk in chunks:
            out.write(chunk)
            size += len(chunk)
            lines += chunk.count(b"\n")
            last = chunk[-1:] or last
    is_text = not filename.lower().endswith((".xlsx", ".xlsm")) and options.file_format != "xlsx"
    estimate = lines + (1 if last not in (b"\n", b"") else 0) - (1 if options.has_header else 0)
    job = ImportJob.objects.create(
        merchant=merchant,
        kind=kind,
        filename=filename[-200:],
        stored_name=stored_name,
        size=size,
        options=asdict(options) | {"mapping": dict(options.mapping), "columns": list(options.columns)},
        rows_total=max(estimate, 0) if is_text else None,
        staff=acting_staff,
    )
    transaction.on_commit(lambda: run_import_job.enqueue(job.pk), robust=False)
    return job


def get_job(staff: Staff, job_id: int) -> ImportJob:
    """One job of the staff member's merchant, if they may run that kind of import."""
    job = ImportJob.objects.for_merchant(staff.merchant).filter(pk=job_id).first()
    if job is None:
        raise NotFound()
    authorize(staff, job.kind)
    return job


def recent_jobs(staff: Staff, limit: int = 50) -> list[ImportJob]:
    """The merchant's latest jobs of the kinds the staff member may import."""
    kinds = [
        kind
        for kind in KIND_PERMISSIONS
        if staff.is_active and all(role_has(staff.role, p) for p in KIND_PERMISSIONS[kind])
    ]
    return list(ImportJob.objects.for_merchant(staff.merchant).filter(kind__in=kinds)[:limit])


def _error(exc: SiyuError) -> dict[str, Any]:
    messages = {}
    for language in LANGUAGES:
        with translation.override(language):
            messages[language] = str(exc.text)
    detail = exc.detail if not isinstance(exc, ImportRejected) else None  # the report has the rows
    return {"code": exc.code, "status": exc.status, "message": messages, "detail": detail}


def run_job(job_id: int) -> str:
    """Run a queued (or abandoned) job to its end; the job's final status."""

    claimed = ImportJob.objects.filter(
        pk=job_id, status__in=[ImportJobStatus.QUEUED, ImportJobStatus.RUNNING]
    ).update(status=ImportJobStatus.RUNNING, phase="reading", rows_done=0, started_at=timezone.now())
    job = ImportJob.objects.select_related("merchant", "staff").get(pk=job_id)
    if not claimed:
        return job.status  # finished before: a duplicate run does nothing

    def progress(rows: int, done: bool) -> None:
        if done:
            ImportJob.objects.filter(pk=job_id).update(rows_done=rows, rows_total=rows, phase="writing")
        else:
            ImportJob.objects.filter(pk=job_id).update(rows_done=rows)

    path = import_dir() / job.stored_name
    options = ImportOptions(**{**job.options, "columns": tuple(job.options.get("columns", ()))})
    outcome: dict[str, Any] = {"phase": ""}
    try:
        with path.open("rb") as stored:
            report = IMPORTERS[job.kind](
                merchant=job.merchant,
                data=stored,
                filename=job.filename,
                options=options,
                acting_staff=job.staff,
                progress=progress,
            )
        outcome.update(status=ImportJobStatus.SUCCEEDED, report=report.as_dict(), batch_id=report.batch_id)
    except ImportRejected as exc:
        outcome.update(status=ImportJobStatus.FAILED, report=exc.detail, error=_error(exc))
    except SiyuError as exc:
        outcome.update(status=ImportJobStatus.FAILED, error=_error(exc))
    except Exception:
        log.exception("import job %s failed", job_id)
        outcome.update(status=ImportJobStatus.FAILED, error=_error(ImportFailed()))
    ImportJob.objects.filter(pk=job_id).update(finished_at=timezone.now(), **outcome)
    path.unlink(missing_ok=True)
    return str(outcome["status"])
