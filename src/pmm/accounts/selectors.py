from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from pmm.accounts.models import ApiToken, RoleAssignment, User
from pmm.core.errors import NotFound


def users_list(*, role: str = "", member: str = "", search: str = "") -> QuerySet[User]:
    users = User.objects.prefetch_related(
        Prefetch("role_assignments", queryset=RoleAssignment.objects.select_related("member"))
    )
    if role:
        users = users.filter(role_assignments__role=role)
    if member:
        users = users.filter(role_assignments__member__iso3=member.upper())
    if search:
        users = users.filter(username__icontains=search) | users.filter(email__icontains=search)
    return users.distinct()


def user_get(username: str) -> User:
    user = users_list().filter(username=username).first()
    if user is None:
        raise NotFound(f"No user {username}.")
    return user


def member_users(member_id: int) -> QuerySet[User]:
    return users_list().filter(role_assignments__member_id=member_id).distinct()


def tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)
