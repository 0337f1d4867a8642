from django.urls import path

from pmm.accounts import views

app_name = "accounts"
urlpatterns = [
    path("accounts/login/", views.login, name="login"),
    path("accounts/logout/", views.logout, name="logout"),
    path("accounts/password/<uidb64>/<token>/", views.password_set, name="password_set"),
    path("account/", views.account, name="account"),
    path("account/tokens/<int:token_id>/revoke/", views.token_revoke_view, name="token_revoke"),
    path("contributors/", views.contributor_list, name="contributor_list"),
    path("users/", views.user_list, name="user_list"),
    path("users/<str:username>/", views.user_detail, name="user_detail"),
]
