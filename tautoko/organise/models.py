"""What organisers add to a running petition: updates to its signers, and a victory."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from tautoko.lib.markdown import markdown_render
from tautoko.petitions.models import Petition


class PetitionUpdate(models.Model):
    """News from the organiser: shown on the petition page and emailed to opted-in signers."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="updates")
    # Public reference (anchors, email keys), never the row id.
    code = models.CharField(max_length=24, unique=True)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("message"), max_length=5000)
    posted_at = models.DateTimeField(default=timezone.now)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # How many opted-in signers the email went to is on the outbox's Broadcast of this key.
    broadcast_key = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-posted_at", "-id"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["petition", "posted_at"], name="update_petition_posted_idx")
        ]

    def __str__(self) -> str:
        return f"{self.petition_id}: {self.title}"

    @property
    def body_html(self) -> SafeString:
        return markdown_render(self.body)


class Victory(models.Model):
    """The organiser's declaration that the petition won, with the story of how."""

    petition = models.OneToOneField(Petition, on_delete=models.CASCADE, related_name="victory")
    story = models.TextField(_("the story"), max_length=2000)
    declared_at = models.DateTimeField(default=timezone.now)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name_plural = "victories"

    def __str__(self) -> str:
        return f"{self.petition_id}: victory"

    @property
    def story_html(self) -> SafeString:
        return markdown_render(self.story)
