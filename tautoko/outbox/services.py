"""The durable email outbox: queue inside a transaction, deliver from the worker."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import F
from django.utils import timezone, translation

from tautoko.lib.group_commit import durably
from tautoko.lib.tokens import code_new
from tautoko.outbox.audiences import audience_get
from tautoko.outbox.models import Broadcast, OutboundEmail
from tautoko.outbox.rendering import template_render

logger = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=2)
# A round still sending after this (a slow server, timeouts) records what it has sent and
# renews its lease on the rest, so that the lease never runs out under a live worker: another
# worker would take the batch again and send it a second time.
LEASE_RENEW_AFTER = LEASE / 4
_clock = time.monotonic  # seconds, for the lease's renewal (a test may replace it)
# Emails rendered before they were queued (by a library such as allauth): the context holds
# the subject and bodies, which the "prerendered" templates print as they are.
PRERENDERED_TEMPLATE = "prerendered"
MAX_ATTEMPTS = 8
# Emails taken per round. Each round takes the database's write lock twice (to claim, to
# record), so in a surge larger rounds mean fewer turns that signers wait behind; an email
# waits at most for the rendering of one round (some 35 µs an email, filled in from the
# template's pieces: about 10 ms) to be sent. A worker killed between sending and recording
# resends at most one round, each email with its own Message-ID.
DELIVER_BATCH = 300


def email_build(
    *,
    key: str,
    to: str,
    template: str,
    context: dict[str, Any],
    language: str = "en",
    bulk: bool = False,
) -> OutboundEmail:
    """An unsaved outbox row, for callers that queue many at once with bulk_create."""
    return OutboundEmail(
        key=key,
        code=code_new(),
        to=to,
        template=template,
        context=context,
        language=language,
        bulk=bulk,
    )


def email_queue(
    *, key: str, to: str, template: str, context: dict[str, Any], language: str = "en"
) -> OutboundEmail:
    """Queue one email. Call it inside the transaction of the change that causes it."""
    email = email_build(key=key, to=to, template=template, context=context, language=language)
    email.save(force_insert=True)
    return email


def _text_render(name: str, context: dict[str, Any]) -> str:
    """Render a plain-text template (a subject, a text body) without HTML autoescaping.

    Text is never parsed as HTML, so escaping only mangles it: a petition called "M&Ms"
    would be mailed as "M&amp;Ms", and a subject would show "&lt;" to the signer.
    """
    return template_render(name, context, autoescape=False)


def email_render(email: OutboundEmail) -> tuple[str, str, str]:
    context = {**email.context, "site_url": settings.SITE_URL}
    with translation.override(email.language):
        subject = _text_render(f"emails/{email.template}-subject.txt", context)
        text = _text_render(f"emails/{email.template}-body.txt", context)
        html = template_render(f"emails/{email.template}-body.html", context, autoescape=True)
    return " ".join(subject.split()), text, html


def outbox_claim(*, now: dt.datetime, batch: int = 50) -> list[OutboundEmail]:
    """Take up to ``batch`` due emails for this worker, under a lease.

    A worker that dies mid-send leaves its claims ``sending``; once the lease runs out they
    are due again, so nothing stays stuck. On PostgreSQL ``SKIP LOCKED`` lets many workers
    claim side by side; on SQLite the IMMEDIATE transaction serialises them.
    """

    def claim() -> list[int]:
        # An email whose worker died mid-send on every attempt stops here, as failed.
        OutboundEmail.objects.due(now=now).filter(attempts__gte=MAX_ATTEMPTS).update(
            state=OutboundEmail.State.FAILED,
            lease_expires_at=None,
            last_error="gave up: the worker stopped while sending it, every time",
        )
        ids = list(
            OutboundEmail.objects.due(now=now)
            .select_for_update(skip_locked=True)
            .order_by("bulk", "next_attempt_at", "id")
            .values_list("id", flat=True)[:batch]
        )
        if ids:
            OutboundEmail.objects.filter(id__in=ids).update(
                state=OutboundEmail.State.SENDING,
                lease_expires_at=now + LEASE,
                attempts=F("attempts") + 1,
            )
        return ids

    # Look before taking the write lock: an idle worker must not queue behind signers.
    if not OutboundEmail.objects.due(now=now).exists():
        return []
    ids = durably(claim)
    if not ids:
        return []
    return list(OutboundEmail.objects.filter(id__in=ids).order_by("id"))


def outbox_deliver(*, now: dt.datetime | None = None, batch: int = DELIVER_BATCH) -> int:
    """Send what is due; return how many were sent.

    The sent emails of a batch are recorded together, in one commit: a commit per email
    would take the database's write lock as often as signers do. The price is that a worker
    killed after sending but before recording resends at most that batch; each email keeps
    its Message-ID, so the receiving server can drop the copy.
    """
    now = now or timezone.now()
    emails = outbox_claim(now=now, batch=batch)
    if not emails:
        return 0
    claimed = leased = _clock()
    connection = get_connection()
    try:
        connection.open()
    except Exception as error:
        # The server cannot be reached (refused, TLS, credentials): every email of the round
        # waits its backoff, with the reason, as when the server refuses one.
        durably(
            partial(_emails_record, sent=[], failed=[(email, error) for email in emails], now=now)
        )
        return 0
    sent: list[tuple[OutboundEmail, str, str, str]] = []
    failed: list[tuple[OutboundEmail, Exception]] = []
    count = 0
    try:
        for index, email in enumerate(emails):
            if _clock() - leased > LEASE_RENEW_AFTER.total_seconds():
                # In the round's own time (``now`` may be given): now plus what has passed.
                leased = _clock()
                until = now + dt.timedelta(seconds=leased - claimed) + LEASE
                rest = [other.id for other in emails[index:]]
                durably(
                    partial(_emails_record, sent=sent, failed=failed, now=now, renew=(rest, until))
                )
                count += len(sent)
                sent, failed = [], []
            try:
                subject, text, html = email_render(email)
                message = EmailMultiAlternatives(
                    subject,
                    text,
                    settings.DEFAULT_FROM_EMAIL,
                    [email.to],
                    headers={"Message-ID": email.message_id, **email.context.get("headers", {})},
                    connection=connection,
                )
                message.attach_alternative(html, "text/html")
                message.send()
            except Exception as error:
                failed.append((email, error))
                continue
            sent.append((email, subject, text, html))
    finally:
        connection.close()
    durably(partial(_emails_record, sent=sent, failed=failed, now=now))
    return count + len(sent)


def _emails_record(
    *,
    sent: list[tuple[OutboundEmail, str, str, str]],
    failed: list[tuple[OutboundEmail, Exception]],
    now: dt.datetime,
    renew: tuple[Sequence[int], dt.datetime] | None = None,
) -> None:
    sent_at = timezone.now()
    if renew is not None:
        ids, until = renew
        OutboundEmail.objects.filter(id__in=ids, state=OutboundEmail.State.SENDING).update(
            lease_expires_at=until
        )
    if settings.TAUTOKO["OUTBOX_KEEP_BODIES"]:
        for email, subject, text, html in sent:
            _emails_sent(
                [email.id],
                subject=subject,
                sent_at=sent_at,
                text=text,
                html=html,
                context=email.context,
            )
    else:
        # Without the bodies, emails that share a subject (a petition's confirmations, in
        # one language) are recorded with one UPDATE: this runs under the write lock that
        # signers are waiting for, so it must be short.
        by_subject: dict[str, list[int]] = {}
        for email, subject, _text, _html in sent:
            by_subject.setdefault(subject, []).append(email.id)
        for subject, ids in by_subject.items():
            _emails_sent(ids, subject=subject, sent_at=sent_at, text="", html="", context={})
    for email, error in failed:
        _email_failed(email, error=error, now=now)


def _emails_sent(
    ids: list[int],
    *,
    subject: str,
    sent_at: dt.datetime,
    text: str,
    html: str,
    context: dict[str, Any],
) -> None:
    OutboundEmail.objects.filter(id__in=ids, state=OutboundEmail.State.SENDING).update(
        state=OutboundEmail.State.SENT,
        sent_at=sent_at,
        lease_expires_at=None,
        subject=subject,
        body_text=text,
        body_html=html,
        context=context,
        last_error="",
    )


def _email_failed(email: OutboundEmail, *, error: Exception, now: dt.datetime) -> None:
    logger.warning("email %s to outbox key %s failed: %s", email.template, email.key, error)
    if email.attempts >= MAX_ATTEMPTS:
        state, next_attempt = OutboundEmail.State.FAILED, email.next_attempt_at
    else:
        backoff = min(30 * 2 ** (email.attempts - 1), 3600)
        state, next_attempt = (
            OutboundEmail.State.QUEUED,
            now + dt.timedelta(seconds=backoff),
        )
    # Only while it is still this round's: a late failure never undoes a recorded send.
    OutboundEmail.objects.filter(id=email.id, state=OutboundEmail.State.SENDING).update(
        state=state,
        next_attempt_at=next_attempt,
        lease_expires_at=None,
        last_error=str(error)[:2000],
    )


def broadcast_queue(
    *,
    key: str,
    audience: str,
    audience_args: dict[str, Any],
    template: str,
    context: dict[str, Any],
    language: str = "en",
) -> Broadcast:
    """Queue one message to a whole audience. Call it inside the transaction that causes it;
    the worker fans it out (broadcasts_fan_out)."""
    audience_get(audience)  # refuse an unknown audience now, not in the worker
    return Broadcast.objects.create(
        key=key,
        audience=audience,
        audience_args=audience_args,
        template=template,
        context=context,
        language=language,
    )


def broadcasts_fan_out(*, batch: int = 500) -> int:
    """Queue the next batch of emails of every unfinished broadcast; return how many."""
    if not Broadcast.objects.filter(finished_at__isnull=True).exists():
        return 0
    return durably(partial(_broadcasts_fan_out, batch=batch))


def _broadcasts_fan_out(*, batch: int) -> int:
    queued = 0
    for broadcast in Broadcast.objects.select_for_update(skip_locked=True).filter(
        finished_at__isnull=True
    ):
        recipients = audience_get(broadcast.audience)(
            broadcast.audience_args, broadcast.cursor, batch
        )
        OutboundEmail.objects.bulk_create(
            [
                email_build(
                    key=f"{recipient.key_prefix}{broadcast.key}",
                    to=recipient.email,
                    template=broadcast.template,
                    context={**broadcast.context, **recipient.context},
                    language=recipient.language or broadcast.language,
                    bulk=True,
                )
                for recipient in recipients
            ],
            ignore_conflicts=True,
        )
        if recipients:
            broadcast.cursor = recipients[-1].id
            broadcast.queued += len(recipients)
        if len(recipients) < batch:
            broadcast.finished_at = timezone.now()
        broadcast.save(update_fields=["cursor", "queued", "finished_at"])
        queued += len(recipients)
    return queued
