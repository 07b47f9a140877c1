"""Large uploads: the row cap (413, nothing kept) and background import jobs polled over the API."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

import siyu.api  # noqa: F401  (first: the API package mounts the imports router, importing it back)
from siyu.imports.models import ImportBatch, ImportJob
from siyu.imports.services import jobs
from siyu.orders.models import Order
from siyu.tenancy.models import Role
from siyu.tenancy.services import issue_staff_token
from siyu.testing.factories import make_merchant
from siyu.testing.snapshots import import_counts

pytestmark = pytest.mark.urls("siyu.imports.tests.urls")

URL = "/api/v1/admin/imports/transactions"
GOOD = "customer_id,date,amount\nc1,2024-01-05,1.00\nc2,2024-01-06,2.50\nc3,2024-01-07,3.00\n"


@pytest.fixture
def token(owner) -> str:
    return issue_staff_token(staff=owner)


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.SIYU_IMPORT_DIR = tmp_path / "imports"
    return settings.SIYU_IMPORT_DIR


def _post(token: str, data: dict, url: str = URL, language: str = "en"):
    headers = {"Accept-Language": language, "Authorization": f"Bearer {token}"}
    return Client().post(url, data=data, headers=headers)


def _get(token: str, url: str, language: str = "en"):
    return Client().get(url, headers={"Accept-Language": language, "Authorization": f"Bearer {token}"})


def _csv(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("history.csv", text.encode(), content_type="text/csv")


def test_a_file_over_the_row_cap_is_refused_with_413_and_nothing_kept(token, merchant, settings):
    settings.SIYU_IMPORT_MAX_ROWS = 2
    before = import_counts(merchant)
    response = _post(token, {"file": _csv(GOOD)})
    assert response.status_code == 413
    assert response.json() == {
        "code": "too_many_rows",
        "message": "The file has too many rows for one import; split it into smaller files.",
        "detail": {"max_rows": 2},
    }
    assert import_counts(merchant) == before
    response = _post(token, {"file": _csv(GOOD)}, language="zh-hans")
    assert (response.status_code, response.json()["message"]) == (
        413,
        "文件的行数超过单次导入的上限，请拆分成几个较小的文件。",
    )
    settings.SIYU_IMPORT_MAX_ROWS = 3
    assert _post(token, {"file": _csv(GOOD)}).status_code == 200


def test_a_large_upload_becomes_a_job_that_reports_progress_and_its_report(
    token, merchant, settings, upload_dir, django_capture_on_commit_callbacks
):
    settings.SIYU_IMPORT_INLINE_MAX_BYTES = 20  # GOOD is larger: it goes to the background
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = _post(token, {"file": _csv(GOOD)})
    assert response.status_code == 202, response.content
    job = response.json()
    assert {k: job[k] for k in ("kind", "status", "phase", "rows_done", "rows_total", "report", "error")} == {
        "kind": "transactions",
        "status": "queued",
        "phase": "",
        "rows_done": 0,
        "rows_total": 3,  # the line count less the header, until the file is read
        "report": None,
        "error": None,
    }
    assert job["size"] == len(GOOD)
    assert Order.objects.filter(merchant=merchant).count() == 0
    assert [p.name for p in upload_dir.iterdir()] == [ImportJob.objects.get().stored_name]

    for callback in queued:  # the worker runs the task (ImmediateBackend in tests)
        callback()
    polled = _get(token, f"/api/v1/admin/imports/jobs/{job['id']}").json()
    assert {k: polled[k] for k in ("status", "phase", "rows_done", "rows_total", "error")} == {
        "status": "succeeded",
        "phase": "",
        "rows_done": 3,
        "rows_total": 3,
        "error": None,
    }
    assert polled["batch_id"] == ImportBatch.objects.get(merchant=merchant).pk
    assert {k: polled["report"][k] for k in ("status", "rows", "imported", "created")} == {
        "status": "imported",
        "rows": 3,
        "imported": 3,
        "created": {"customers": 3, "orders": 3, "order_lines": 3},
    }
    assert sorted(Order.objects.filter(merchant=merchant).values_list("paid_amount", flat=True)) == [
        100,
        250,
        300,
    ]
    assert list(upload_dir.iterdir()) == []  # the stored upload is gone once the job is done
    listed = _get(token, "/api/v1/admin/imports/jobs").json()
    assert [(j["id"], j["status"]) for j in listed] == [(job["id"], "succeeded")]
    # Running the task again (a recovered task) changes nothing.
    assert jobs.run_job(job["id"]) == "succeeded"
    assert Order.objects.filter(merchant=merchant).count() == 3


def test_a_background_job_with_bad_rows_fails_with_their_line_numbers(
    token, merchant, django_capture_on_commit_callbacks
):
    before = import_counts(merchant)
    text = "customer_id,date,amount\nc1,2024-01-05,1.00\nc2,2024-01-06,1.001\nc3,someday,1\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(token, {"file": _csv(text), "background": "true"})
    assert response.status_code == 202
    polled = _get(token, f"/api/v1/admin/imports/jobs/{response.json()['id']}", language="zh-hans").json()
    assert polled["status"] == "failed"
    assert polled["error"]["code"] == "import_rejected"
    assert polled["error"]["message"] == "部分行无效，因此未导入任何数据。请修正这些行，或选择跳过错误行。"
    assert [(e["line"], e["field"]) for e in polled["report"]["errors"]] == [(3, "amount"), (4, "date")]
    assert polled["rows_done"] == polled["rows_total"] == 3
    after = import_counts(merchant)
    assert after == before


def test_a_background_job_over_the_row_cap_fails_with_too_many_rows(
    token, merchant, settings, django_capture_on_commit_callbacks
):
    settings.SIYU_IMPORT_MAX_ROWS = 2
    before = import_counts(merchant)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(token, {"file": _csv(GOOD), "background": "true"})
    polled = _get(token, f"/api/v1/admin/imports/jobs/{response.json()['id']}").json()
    assert (polled["status"], polled["error"]["code"], polled["error"]["detail"]) == (
        "failed",
        "too_many_rows",
        {"max_rows": 2},
    )
    assert import_counts(merchant) == before


def test_jobs_are_scoped_to_the_merchant_and_the_right_to_import(
    token, merchant, make_staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job_id = _post(token, {"file": _csv(GOOD), "background": "true"}).json()["id"]
    guide = issue_staff_token(staff=make_staff(Role.GUIDE))
    assert _get(guide, f"/api/v1/admin/imports/jobs/{job_id}").status_code == 403
    assert _get(guide, "/api/v1/admin/imports/jobs").json() == []
    stranger = issue_staff_token(staff=make_staff(Role.OWNER, m=make_merchant("coffee")))
    assert _get(stranger, f"/api/v1/admin/imports/jobs/{job_id}").status_code == 404
    assert _get(stranger, "/api/v1/admin/imports/jobs").json() == []
    # A refusal that needs no reading comes at once, with no job.
    response = _post(guide, {"file": _csv(GOOD), "background": "true"})
    assert response.status_code == 403
    assert ImportJob.objects.count() == 1
