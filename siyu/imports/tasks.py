"""Background work of imports. Each task calls one service."""

from __future__ import annotations

from django_tasks import task

from siyu.imports.services import jobs


@task()
def run_import_job(job_id: int) -> str:
    """Import a stored upload for its ``ImportJob``; returns the job's final status."""
    return jobs.run_job(job_id)
