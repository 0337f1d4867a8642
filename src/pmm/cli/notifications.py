"""`pmm notifications test-email`: check the platform's mail settings with a test e-mail.

Loaded after Django's set-up (pmm.cli.domain_groups), so it imports models and services at its top.
"""

from __future__ import annotations

from typing import Annotated

import typer
from django.conf import settings

from pmm.notifications.services import send_test_email

notifications_app = typer.Typer()


@notifications_app.command("test-email")
def notifications_test_email(
    address: Annotated[str, typer.Argument(help="The address to send the test e-mail to.")],
) -> None:
    """Send a test e-mail with the platform's mail settings (PMM_EMAIL_*), to check them."""
    send_test_email(to=address)
    typer.echo(
        f"Test e-mail sent to {address} from {settings.DEFAULT_FROM_EMAIL} ({settings.EMAIL_BACKEND})."
    )
