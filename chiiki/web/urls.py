from django.urls import path

from chiiki.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("regions/<slug:slug>/", views.region, name="region"),
    path("bureaus/<slug:slug>/", views.bureau, name="bureau"),
    path("plans/<slug:slug>/", views.plan, name="plan"),
    path("plans/<slug:plan_slug>/projects/<slug:slug>/", views.project, name="project"),
    path("indicators/<int:pk>/", views.indicator, name="indicator"),
    path("municipalities/", views.municipalities, name="municipalities"),
    path("support/", views.support, name="support"),
]
