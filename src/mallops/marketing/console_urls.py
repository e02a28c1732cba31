"""Console pages of marketing, mounted under /marketing/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from mallops.marketing import views, views_campaigns, views_tags

app_name = "marketing"

urlpatterns: list[URLPattern | URLResolver] = [
    path("channels/", views.channel_list, name="channels"),
    path("spend/", views.spend_page, name="spend"),
    path("report/", views.report_page, name="report"),
    path("strategies/", views_campaigns.strategy_list, name="strategies"),
    path("strategies/<int:strategy_id>/", views_campaigns.strategy_page, name="strategy"),
    path("strategies/<int:strategy_id>/run/", views_campaigns.strategy_run_now, name="strategy_run_now"),
    path("strategy-runs/<int:run_id>/", views_campaigns.strategy_run_page, name="strategy_run"),
    path("campaigns/", views_campaigns.campaign_list, name="campaigns"),
    path("campaigns/new/", views_campaigns.campaign_new, name="campaign_new"),
    path("campaigns/<int:campaign_id>/", views_campaigns.campaign_page, name="campaign"),
    path("tags/", views_tags.tag_list, name="tags"),
    # path: a tag name may hold "/" (the API and the form allow it); with str the tag list could not link it
    path("tags/<path:tag>/", views_tags.tag_page, name="tag"),
]
