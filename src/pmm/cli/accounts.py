"""`pmm user create`, `pmm token create` and `pmm token revoke`: accounts and API tokens.

Loaded after Django's set-up (pmm.cli.domain_groups), so it imports models and services at its top.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from pmm.accounts.selectors import user_get
from pmm.accounts.services import RoleSpec, token_create, token_revoke, user_create
from pmm.cli.options import ReasonOption
from pmm.core.actors import SYSTEM

user_app = typer.Typer()
token_app = typer.Typer()


@user_app.command("create")
def user_create_cmd(
    username: Annotated[str, typer.Option(help="Sign-in name.", show_default=False)],
    email: Annotated[str, typer.Option(help="E-mail address.", show_default=False)],
    role: Annotated[
        str,
        typer.Option(
            help="secretariat_admin, secretariat_analyst, ncp, contributor, peer_reviewer or basic.",
            show_default=False,
        ),
    ],
    member: Annotated[
        str | None,
        typer.Option(
            help="ISO3 code of the member administration the role is for (ncp and contributor need one)."
        ),
    ] = None,
    first_name: Annotated[str, typer.Option(help="First name.")] = "",
    last_name: Annotated[str, typer.Option(help="Last name.")] = "",
) -> None:
    """Create an account with one role.

    The password is read from the first line of standard input when it is piped in
    (e.g. `printf '%s\\n' "$PASSWORD" | pmm user create …`); otherwise it is asked for twice.
    """
    member_iso3 = member.strip().upper() if member and member.strip() else None
    password = _read_password()
    user = user_create(
        actor=SYSTEM,
        username=username,
        email=email,
        password=password,
        roles=[RoleSpec(role, member_iso3)],
        first_name=first_name,
        last_name=last_name,
        reason="created with the pmm command",
    )
    typer.echo(f"Created user {user.username} ({role}{', ' + member_iso3 if member_iso3 else ''})")


@token_app.command("create")
def token_create_cmd(
    username: Annotated[str, typer.Option(help="The user the token acts as.", show_default=False)],
    name: Annotated[str, typer.Option(help="A name to recognise the token by.")] = "cli",
) -> None:
    """Issue an API token for a user. The token is printed once, alone on the last line."""
    user = user_get(username)
    token, secret = token_create(actor=SYSTEM, user=user, name=name)
    typer.echo(
        f"Created API token {token.pk} '{token.name}' for {user.username}. "
        "It is shown only this once and cannot be recovered; store it now:"
    )
    typer.echo(secret)


@token_app.command("revoke")
def token_revoke_cmd(
    token_id: Annotated[
        int, typer.Argument(metavar="TOKEN_ID", help="The token's number.", show_default=False)
    ],
    reason: ReasonOption = "",
) -> None:
    """Revoke an API token: it stops working at once. Revoking it again changes nothing."""
    token = token_revoke(actor=SYSTEM, token_id=token_id, reason=reason)
    typer.echo(f"Token {token.pk} '{token.name}' of {token.user.username} is revoked.")


def _read_password() -> str:
    """The first line of stdin when it is not a terminal; otherwise ask twice without echoing."""
    if not _stdin_is_tty():
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password"))


def _stdin_is_tty() -> bool:
    return sys.stdin.isatty()
