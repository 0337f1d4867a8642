from django.urls import path

from pmm.accounts import views

app_name = "accounts"
urlpatterns = [
    path("accounts/login/", views.login, name="login"),
    path("accounts/login/code/", views.login_code, name="login_code"),
    path("accounts/logout/", views.logout, name="logout"),
    path("accounts/password/<uidb64>/<token>/", views.password_set, name="password_set"),
    path("account/", views.account, name="account"),
    path("account/two-factor/", views.two_factor_view, name="two_factor"),
    path("account/password/", views.password_change, name="password_change"),
    path("account/tokens/<int:token_id>/revoke/", views.token_revoke_view, name="token_revoke"),
    path("contributors/", views.contributor_list, name="contributor_list"),
    path("invitations/<int:invitation_id>/", views.invitation_accept_view, name="invitation_accept"),
    path("users/", views.user_list, name="user_list"),
    path("users/<str:username>/", views.user_detail, name="user_detail"),
    path("users/<str:username>/two-factor/reset/", views.user_two_factor_reset, name="user_two_factor_reset"),
]
