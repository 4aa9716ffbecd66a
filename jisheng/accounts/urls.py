from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("otp/", views.otp_view, name="otp"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/<int:token_id>/revoke/", views.token_revoke_view, name="token_revoke"),
    path("users/", views.user_list, name="users"),
    path("users/new/", views.user_create_view, name="user_create"),
    path("users/<int:user_id>/unlock/", views.user_unlock, name="user_unlock"),
    path("users/<int:user_id>/roles/", views.user_roles_view, name="user_roles"),
]
