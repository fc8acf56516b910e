from django.contrib import admin
from django.urls import include, path

from chiiki.api.main import api, unknown_path
from chiiki.health import healthz, readyz

urlpatterns = [
    path("healthz", healthz),
    path("readyz", readyz),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("api/<path:rest>", unknown_path),
    path("", include("chiiki.web.urls")),
]

handler400 = "chiiki.observability.bad_request"
handler500 = "chiiki.observability.server_error"
