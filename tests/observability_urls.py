"""The product's URLs plus one view that fails, to see the 500 page as a user would."""

from django.urls import path

from chiiki.urls import urlpatterns as product


def boom(request):
    raise RuntimeError("a defect in a view")


urlpatterns = [path("boom/", boom), *product]
handler500 = "chiiki.observability.server_error"
