"""Accounts through django-allauth, with its emails sent through Tautoko's durable outbox.

allauth renders each email as usual (its templates, its links); instead of sending it in
the request, ``send_mail`` queues the rendered message as an ``OutboundEmail`` row. The
worker then sends it with retries, and in demo mode it shows in the development outbox.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.core.mail import EmailMultiAlternatives
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation

from tautoko.lib.tokens import code_new
from tautoko.moderation.models import PERMISSION_MODERATE
from tautoko.outbox.services import PRERENDERED_TEMPLATE, email_queue


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        # Moderators land on their queue (after the two-factor check); organisers on
        # their petitions. A ?next= from the login link still wins, as allauth decides.
        if request.user.has_perm(PERMISSION_MODERATE) and request.user.is_staff:
            return reverse("moderation:queue")
        return super().get_login_redirect_url(request)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # The same context as allauth's own send_mail; only the last step, sending, differs.
        request = allauth_context.request
        context = {
            "request": request,
            "email": email,
            "current_site": get_current_site(request),
            **context,
        }
        message = self.render_mail(template_prefix, email, context)
        html = ""
        if isinstance(message, EmailMultiAlternatives):
            html = next(
                (str(body) for body, mimetype in message.alternatives if mimetype == "text/html"),
                "",
            )
        if message.content_subtype == "html":
            html, text = str(message.body), ""
        else:
            text = str(message.body)
        email_queue(
            # Each account email is its own event: allauth already throttles repeats.
            key=f"account:{template_prefix.rsplit('/', 1)[-1]}:{code_new()}",
            to=email,
            template=PRERENDERED_TEMPLATE,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            context={"subject": message.subject, "text": text, "html": html},
        )
