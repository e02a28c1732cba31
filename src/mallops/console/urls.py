from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from mallops.console import merchant_detail, people, staff, views

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
    path("merchants/<int:merchant_id>/", merchant_detail.merchant_detail, name="merchant"),
    path("merchants/<int:merchant_id>/manage/", staff.merchant_manage, name="merchant_manage"),
    path("merchants/<int:merchant_id>/licence/", staff.merchant_licence_file, name="merchant_licence"),
    path("staff/", staff.staff_list, name="staff"),
    path("staff/new/", staff.staff_new, name="staff_new"),
    path("staff/<int:user_id>/", staff.staff_edit, name="staff_edit"),
    path("store/staff/<int:member_id>/", staff.store_staff_member, name="store_staff_member"),
    path("store/staff/", people.store_staff, name="store_staff"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            template_name="console/password_change.html", success_url=reverse_lazy("console:dashboard")
        ),
        name="password_change",
    ),
]
