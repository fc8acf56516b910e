from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from chiiki.api.main import api, unknown_path


def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers and the page benchmark's baseline: answers without the database."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz", healthz),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("api/<path:rest>", unknown_path),
    path("", include("chiiki.web.urls")),
]
