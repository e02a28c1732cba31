from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from mallops.console import people, views

app_name = "console"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("audit/", views.audit_log, name="audit"),
    path("security/locks/", views.locks, name="locks"),
    path("security/unlock/", views.unlock, name="unlock"),
    path("buyers/", people.buyers, name="buyers"),
    path("buyers/<int:user_id>/", people.buyer_detail, name="buyer"),
    path("merchants/", people.merchants, name="merchants"),
    path("store/staff/", people.store_staff, name="store_staff"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            template_name="console/password_change.html", success_url=reverse_lazy("console:dashboard")
        ),
        name="password_change",
    ),
]
