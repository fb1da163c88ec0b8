from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language

from reports import chase_notices, rollup_views, scoreboard_views
from reports.views import home

from .forms import PasswordChangeForm

# Password reset by e-mail is left out on purpose: intranets rarely have mail for it; the
# administrator resets passwords in the admin.
accounts = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password_change/",
        auth_views.PasswordChangeView.as_view(form_class=PasswordChangeForm),
        name="password_change",
    ),
    path("password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
]

urlpatterns = [
    path("", home, name="home"),
    path("", include("tracker.urls")),
    path("units/", scoreboard_views.scoreboard, name="scoreboard"),
    path("units/ratings/", scoreboard_views.ratings_save, name="ratings"),
    path("governments/", rollup_views.rollup_page, name="rollup"),
    path("governments/shortfalls/", rollup_views.rollup_shortfalls, name="rollup_shortfalls"),
    path("governments/export/<str:fmt>/", rollup_views.rollup_export, name="rollup_export"),
    path("chases/<int:pk>/notice/", chase_notices.chase_notice, name="chase_notice"),
    path("reports/", include("reports.urls")),
    path("jobs/", include("jobs.urls")),
    path("accounts/", include(accounts)),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
]

admin.site.site_header = admin.site.site_title = _("Rule-of-law government ledger")
admin.site.index_title = _("Administration")
