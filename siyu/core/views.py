from django.db import connection
from django.http import HttpRequest, JsonResponse


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and the benchmarks' baseline."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def hello(request: HttpRequest) -> JsonResponse:
    """A bare JSON view with no database: the ceiling the benchmarks compare real endpoints to."""
    return JsonResponse({"hello": "siyu"})
