from django.contrib.auth import views as auth_views
from django.urls import path

from chiiki.accounts.forms import ThrottledAuthenticationForm
from chiiki.web import (
    authoring_views,
    collection_views,
    import_views,
    job_views,
    proposal_views,
    report_views,
    token_views,
    views,
)
from chiiki.web.era import set_era
from chiiki.web.language import set_language
from chiiki.web.tenancy import choose_organization

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("search/", views.search_page, name="search"),
    path("era/", set_era, name="set_era"),
    path("language/", set_language, name="set_language"),
    path("organization/", choose_organization, name="choose_organization"),
    path("regions/<slug:slug>/", views.region, name="region"),
    path("bureaus/<slug:slug>/", views.bureau, name="bureau"),
    path("bureaus/<slug:slug>/actuals/", views.bureau_grid_year, name="bureau_grid_year"),
    path("bureaus/<slug:slug>/actuals/<int:fy>/", views.bureau_grid, name="bureau_grid"),
    path("plans/<slug:slug>/", views.plan, name="plan"),
    path("plans/<slug:plan_slug>/projects/<slug:slug>/", views.project, name="project"),
    path(
        "plans/<slug:plan_slug>/projects/<slug:slug>/budgets/",
        views.record_program_budget,
        name="record_program_budget",
    ),
    path(
        "plans/<slug:plan_slug>/projects/<slug:slug>/evaluations/",
        views.evaluation_year,
        name="evaluation_year",
    ),
    path(
        "plans/<slug:plan_slug>/projects/<slug:slug>/evaluations/<int:fy>/",
        views.evaluation,
        name="evaluation",
    ),
    path("indicators/<int:pk>/", views.indicator, name="indicator"),
    path(
        "indicators/<int:pk>/actuals/",
        views.record_indicator_actual,
        name="record_indicator_actual",
    ),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=ThrottledAuthenticationForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/tokens/", token_views.api_tokens, name="api_tokens"),
    path("account/tokens/<int:pk>/revoke/", token_views.revoke_api_token, name="revoke_api_token"),
    path("collection/", collection_views.rounds, name="collection"),
    path("collection/<int:pk>/", collection_views.round_page, name="collection_round"),
    path("collection/shares/<int:pk>/", collection_views.share_page, name="collection_share"),
    path("editions/", authoring_views.editions, name="editions"),
    path("editions/<slug:slug>/", authoring_views.edition, name="edition"),
    path(
        "editions/<slug:slug>/structure.xlsx",
        authoring_views.edition_structure,
        name="edition_structure",
    ),
    path(
        "editions/<slug:slug>/structure/<int:pk>/",
        authoring_views.edition_structure_preview,
        name="edition_structure_preview",
    ),
    path(
        "editions/<slug:plan_slug>/projects/<slug:slug>/",
        authoring_views.edition_project,
        name="edition_project",
    ),
    path(
        "editions/<slug:plan_slug>/projects/<slug:slug>/indicators/new/",
        authoring_views.edition_indicator,
        name="edition_indicator_new",
    ),
    path(
        "editions/<slug:plan_slug>/projects/<slug:slug>/indicators/<int:pk>/",
        authoring_views.edition_indicator,
        name="edition_indicator",
    ),
    path("municipalities/", views.municipalities, name="municipalities"),
    path("support/", views.support, name="support"),
    path("reports/", report_views.reports, name="reports"),
    path("jobs/", job_views.jobs, name="jobs"),
    path("jobs/<uuid:job_id>/", job_views.job, name="job"),
    path("jobs/<uuid:job_id>/status", job_views.job_status, name="job_status"),
    path("jobs/<uuid:job_id>/file", job_views.job_file, name="job_file"),
    path("jobs/<uuid:job_id>/retry", job_views.job_retry, name="job_retry"),
    path("imports/", import_views.imports, name="imports"),
    path("imports/workbook.xlsx", import_views.workbook, name="workbook"),
    path("imports/<int:pk>/", import_views.import_preview, name="import_preview"),
    path("imports/<int:pk>/apply/", import_views.import_apply, name="import_apply"),
    path("reports/<slug:kind>/", report_views.report, name="report"),
    path(
        "opendata/<slug:name>.<str:ext>",
        report_views.opendata_file,
        name="opendata_file",
    ),
    path("municipalities/<str:code>/", proposal_views.municipality, name="municipality"),
    path("programs/<int:pk>/", proposal_views.program, name="program"),
    path("proposals/", proposal_views.proposals, name="proposals"),
    path("proposals/new/", proposal_views.proposal_form, name="proposal_new"),
    path("proposals/<int:pk>/", proposal_views.proposal, name="proposal"),
    path("proposals/<int:pk>/edit/", proposal_views.proposal_form, name="proposal_edit"),
    path("bureaus/<slug:slug>/meetings/", proposal_views.meetings, name="meetings"),
    path("bureaus/<slug:slug>/meetings/new/", proposal_views.meeting_form, name="meeting_new"),
    path("bureaus/<slug:slug>/meetings/<int:pk>/", proposal_views.meeting, name="meeting"),
    path(
        "bureaus/<slug:slug>/meetings/<int:pk>/edit/",
        proposal_views.meeting_form,
        name="meeting_edit",
    ),
]
