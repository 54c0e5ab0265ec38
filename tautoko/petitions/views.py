from __future__ import annotations

import datetime as dt
import functools
import re
import time
from typing import Any

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.cache import cache
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tautoko.fraud import checks as fraud_checks
from tautoko.lib.csrf import csrf_token
from tautoko.lib.email_address import email_canonical
from tautoko.lib.hot_path import hot_path
from tautoko.lib.local_memo import LocalMemo
from tautoko.moderation.services import moderation_is_slow
from tautoko.petitions import emails, services
from tautoko.petitions.counts import count_current, counts_current
from tautoko.petitions.forms import ResendForm, SignForm, source_clean
from tautoko.petitions.models import Petition, Signature, Tally
from tautoko.petitions.sharing import petition_share_url, share_links
from tautoko.petitions.versions import version_entries

# Translated where shown; gettext_noop marks them for makemessages.
MESSAGE_CLOSED = gettext_noop("This petition is closed: it no longer takes signatures.")
MESSAGE_CLOSED_BEFORE_CONFIRMATION = gettext_noop(
    "This petition closed before you confirmed your signature, so it was not counted."
)
MESSAGE_LINK_EXPIRED = gettext_noop("This confirmation link has expired.")
MESSAGE_LINK_USED = gettext_noop(
    "This confirmation link has already been used, or a newer one replaced it."
)
MESSAGE_LINK_INVALID = gettext_noop(
    "This confirmation link is not valid. Check that you copied all of it."
)
# The home page's "recent victories" beside the open petitions.
HOME_SUCCESSES = 5


# The rendered pages this process read from the shared cache lately.
_page_memo = LocalMemo()


def _petition_or_404(slug: str) -> Petition:
    """The visible petition at ``slug``, read through the cache (at most a second old).

    A surge reads one petition thousands of times a second; a moderator's change to it
    (closing, hiding) shows within a second. The closing time itself is exact, because
    ``is_signable()`` compares it with the clock at every request.
    """
    key = services.petition_cache_key(slug)
    petition = services.petition_memo.get(key)
    if petition is None:
        petition = cache.get(key)
        if petition is None:
            petition = (
                Petition.objects.visible()
                .select_related("decision_maker")
                .filter(slug=slug)
                .first()
            )
            # Unknown slugs are remembered too, so a flood of bad links costs no queries.
            cache.set(key, petition or "", settings.TAUTOKO["COUNT_CACHE_SECONDS"])
        services.petition_memo.set(key, petition)
    if not petition:
        raise Http404("No petition here.")
    return petition


def _growth_24h(petition_ids: list[int], *, now: dt.datetime) -> dict[int, int]:
    since = (now - dt.timedelta(hours=24)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H")
    rows = (
        Tally.objects.filter(
            petition_id__in=petition_ids, dimension=Tally.Dimension.HOUR, key__gte=since
        )
        .values("petition_id")
        .annotate(n=Sum("count"))
        .order_by()
    )
    return {row["petition_id"]: row["n"] for row in rows}


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    petitions = list(Petition.objects.signable(now=now).select_related("decision_maker")[:500])
    ids = [p.id for p in petitions]
    growth_key = f"home:growth:{hash(tuple(ids))}"
    growth = cache.get(growth_key)
    if growth is None:
        growth = _growth_24h(ids, now=now)
        cache.set(growth_key, growth, 30)
    counts = counts_current(petition_ids=ids)
    for petition in petitions:
        petition.count = counts.get(petition.id, 0)  # type: ignore[attr-defined]
        petition.growth = growth.get(petition.id, 0)  # type: ignore[attr-defined]
    petitions.sort(key=lambda p: (-p.growth, -p.count, p.title))  # type: ignore[attr-defined]
    successes = list(Petition.objects.successes().select_related("decision_maker")[:HOME_SUCCESSES])
    success_counts = counts_current(petition_ids=[p.id for p in successes])
    for petition in successes:
        petition.count = success_counts.get(petition.id, 0)  # type: ignore[attr-defined]
    return render(
        request,
        "petitions/home.html",
        {
            "petitions": petitions[:50],
            "successes": successes,
            "moderation_slow": moderation_is_slow(),
        },
    )


def _render_petition(
    request: HttpRequest,
    petition: Petition,
    *,
    form: SignForm | None,
    status: int = 200,
    count_slots: bool = False,
) -> HttpResponse:
    """The petition page; with ``count_slots``, placeholders where the count goes."""
    if count_slots:
        count: int | str = _COUNT_SLOT
        progress: int | str = _PROGRESS_SLOT
        source_query = _SOURCE_QUERY_SLOT
    else:
        count = count_current(petition_id=petition.id)
        progress = _progress(count, petition.goal)
        # The sign form's POST, re-rendered with its errors, or a GET.
        source = request.POST.get("source") or request.GET.get("source", "")
        source_query = _source_query(source_clean(source))
    events = list(petition.events.all())
    context: dict[str, Any] = {
        "petition": petition,
        "count": count,
        "progress": progress,
        "form": form if petition.is_signable() else None,
        "events": events,
        "share_links": share_links(petition),
        "copy_url": petition_share_url(petition, source="link"),
        "closed_message": _(MESSAGE_CLOSED),
        # Switching language comes back to the petition's page (not to the sign POST's
        # address) with the share link's source, so a signature still counts for it.
        "language_next": emails.petition_path("petitions:detail", petition.slug) + source_query,
    }
    return render(request, "petitions/detail.html", context, status=status)


def _source_query(source: str) -> str:
    """The query that carries a share link's source, already cleaned (source_clean allows
    only [a-z0-9_-]: nothing to quote)."""
    return f"?source={source}" if source else ""


def _progress(count: int, goal: int) -> int:
    return min(100, round(100 * count / goal)) if goal else 100


# The page is the same for every visitor but for a few values, so it is rendered once per
# PAGE_CACHE_SECONDS per petition, version, goal, state and language, and each request
# fills in the current count (at most COUNT_CACHE_SECONDS old) and its own CSRF token,
# share source and proof-of-work challenge. Rendering it afresh (a select of ~250
# countries, the timeline) costs ~30 ms; filling it in, microseconds.
_TOKEN_SLOT = "__tautoko_csrf_token__"  # noqa: S105 - a placeholder, not a secret
_SOURCE_SLOT = "__tautoko_source__"
_SOURCE_QUERY_SLOT = "__tautoko_source_query__"
_POW_SLOT = "__tautoko_pow__"
_COUNT_SLOT = "__tautoko_count__"
_COUNT_GROUPED_SLOT = "__tautoko_count_grouped__"
_PROGRESS_SLOT = "__tautoko_progress__"
# Where the count is shown as a figure (grouped by thousands), not as a bare number.
_COUNT_FIGURE = f"<strong data-count>{_COUNT_SLOT}</strong>"
_FORM_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
_SLOTS = re.compile(
    "("
    + "|".join(
        re.escape(slot)
        for slot in (
            _COUNT_GROUPED_SLOT,
            _COUNT_SLOT,
            _PROGRESS_SLOT,
            _TOKEN_SLOT,
            _SOURCE_QUERY_SLOT,
            _SOURCE_SLOT,
            _POW_SLOT,
        )
    )
    + ")"
)


@functools.lru_cache(maxsize=64)
def _page_parts(page: str) -> tuple[bytes | str, ...]:
    """The cached page cut at its slots: text (as bytes), slot, text, slot, …, text.

    Filling it in is then one join, not a pass over the whole page per slot."""
    return tuple(
        part if index % 2 else part.encode() for index, part in enumerate(_SLOTS.split(page))
    )


def _petition_page_template(request: HttpRequest, petition: Petition) -> str:
    key = (
        f"petition:{petition.id}:page:{petition.goal}:{petition.state}:{petition.version}"
        f":{get_language()}"
    )
    now = time.time()
    entry = _page_memo.get(key)
    if entry is None or entry[0] <= now:
        # Another process may have rendered it afresh meanwhile.
        entry = cache.get(key)
        if entry is not None:
            _page_memo.set(key, entry)
    if entry is not None and entry[0] > now:
        return str(entry[1])
    # Stale or missing: one request renders it again while the others keep serving the
    # stale copy, so a surge never renders the same page on every thread at once.
    if entry is not None and not cache.add(f"{key}:rendering", 1, 10):
        return str(entry[1])
    try:
        form = SignForm(
            initial={
                "country": settings.TAUTOKO["DEFAULT_COUNTRY"],
                "source": _SOURCE_SLOT,
                "pow": _POW_SLOT,
            }
        )
        html = _render_petition(request, petition, form=form, count_slots=True).content.decode()
        page = _FORM_TOKEN.sub(f'name="csrfmiddlewaretoken" value="{_TOKEN_SLOT}"', html)
        page = page.replace(_COUNT_FIGURE, f"<strong data-count>{_COUNT_GROUPED_SLOT}</strong>")
        entry = (now + settings.TAUTOKO["PAGE_CACHE_SECONDS"], page)
        cache.set(key, entry, 300)
        _page_memo.set(key, entry)
    finally:
        cache.delete(f"{key}:rendering")
    return page


@hot_path
@require_safe
def petition_detail(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _petition_or_404(slug)
    page = _petition_page_template(request, petition)
    count = count_current(petition_id=petition.id)
    # source_clean() allows only [a-z0-9_-], so it is safe inside an HTML attribute.
    # The challenge is base64 ([A-Za-z0-9+/=]), safe inside an HTML attribute too.
    source = source_clean(request.GET.get("source", ""))
    values = {
        _COUNT_GROUPED_SLOT: intcomma(count),
        _COUNT_SLOT: str(count),
        _PROGRESS_SLOT: str(_progress(count, petition.goal)),
        _TOKEN_SLOT: csrf_token(request),
        _SOURCE_SLOT: source,
        _SOURCE_QUERY_SLOT: _source_query(source),
        _POW_SLOT: fraud_checks.challenge_for(petition_id=petition.id),
    }
    response = HttpResponse(
        b"".join(
            part if isinstance(part, bytes) else values[part].encode() for part in _page_parts(page)
        )
    )
    # Each response carries its visitor's own CSRF token, so only the browser may keep it;
    # the count JSON, which has none, is the part shared caches and CDNs can hold.
    patch_cache_control(response, private=True, max_age=0)
    return response


@require_safe
def petition_history(request: HttpRequest, slug: str) -> HttpResponse:
    """Every version of the petition's text, newest first, each with what changed."""
    petition = _petition_or_404(slug)
    entries = version_entries(list(petition.versions.all()))
    return render(
        request,
        "petitions/history.html",
        {"petition": petition, "entries": entries[::-1]},
    )


@hot_path
@require_POST
def petition_sign(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _petition_or_404(slug)
    if not petition.is_signable():
        return render(
            request,
            "petitions/closed.html",
            {"petition": petition, "message": _(MESSAGE_CLOSED)},
            status=410,
        )
    form = SignForm(request.POST)
    if not form.is_valid():
        return _render_petition(request, petition, form=form, status=400)
    outcome = services.signature_create(
        petition=petition,
        source=form.cleaned_data["source"],
        **form.signer_checked(request, petition_id=petition.id),
    )
    target = emails.petition_path("petitions:signed", petition.slug)
    # A path already: redirect() would first try it as a URL name, and fail, every time.
    return HttpResponseRedirect(target + outcome.page_query)


@hot_path
@require_safe
def petition_signed(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _petition_or_404(slug)
    return render(
        request,
        "petitions/signed.html",
        {
            "petition": petition,
            "again": "again" in request.GET,
            "unsent": "unsent" in request.GET,
            "resent": "resent" in request.GET,
        },
    )


def _link_problem(request: HttpRequest, petition: Petition, error: Exception) -> HttpResponse:
    if isinstance(error, services.LinkExpired):
        message, status = _(MESSAGE_LINK_EXPIRED), 410
    elif isinstance(error, services.LinkUsed):
        message, status = _(MESSAGE_LINK_USED), 410
    else:
        message, status = _(MESSAGE_LINK_INVALID), 404
    return render(
        request,
        "petitions/link_problem.html",
        {"petition": petition, "message": message, "form": ResendForm()},
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def signature_confirm(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """GET shows a Confirm button; only the POST confirms, because mail scanners open links."""
    petition = _petition_or_404(slug)
    try:
        signature = services.signature_for_token(token=token)
        if signature.petition_id != petition.id:
            raise services.SignatureNotFound
        if not petition.is_signable():
            # The count is final once a petition closes: a late confirmation cannot join it.
            return render(
                request,
                "petitions/closed.html",
                {"petition": petition, "message": _(MESSAGE_CLOSED_BEFORE_CONFIRMATION)},
                status=410,
            )
        if request.method == "POST":
            signature = services.signature_confirm(token=token)
            return redirect("petitions:thanks", slug=petition.slug, receipt=signature.receipt)
    except (services.SignatureNotFound, services.LinkUsed, services.LinkExpired) as error:
        return _link_problem(request, petition, error)
    response = render(
        request, "petitions/confirm.html", {"petition": petition, "signature": signature}
    )
    # The URL holds the token: never send it to another site. Not "no-referrer", under which
    # browsers send "Origin: null" with the Confirm POST and Django's CSRF check refuses it.
    response["Referrer-Policy"] = "same-origin"
    return response


@require_safe
def signature_thanks(request: HttpRequest, slug: str, receipt: str) -> HttpResponse:
    signature = get_object_or_404(
        Signature.objects.select_related("petition"),
        receipt=receipt,
        petition__slug=slug,
        state=Signature.State.CONFIRMED,
        petition__state__in=Petition.VISIBLE,
    )
    petition = signature.petition
    return render(
        request,
        "petitions/thanks.html",
        {
            "petition": petition,
            "signature": signature,
            "number": services.signer_number(signature=signature),
            "share_links": share_links(petition),
            "copy_url": petition_share_url(petition, source="link"),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def signature_resend(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _petition_or_404(slug)
    # Not `request.POST or None`: an empty POST must still be a bound form that shows errors.
    form = ResendForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not form.is_valid():
            return render(
                request, "petitions/resend.html", {"petition": petition, "form": form}, status=400
            )
        signature = Signature.objects.filter(
            petition=petition, email_canonical=email_canonical(form.cleaned_data["email"])
        ).first()
        if signature is not None:
            services.signature_remind(signature=signature)
        # The same answer whether or not that address signed: no one can probe who signed.
        return redirect(reverse("petitions:signed", args=[petition.slug]) + "?resent=1")
    return render(request, "petitions/resend.html", {"petition": petition, "form": form})


@hot_path
@require_safe
def petition_count_json(request: HttpRequest, slug: str) -> JsonResponse:
    petition = _petition_or_404(slug)
    response = JsonResponse(
        {
            "slug": petition.slug,
            "count": count_current(petition_id=petition.id),
            "goal": petition.goal,
            "state": petition.state,
            "signable": petition.is_signable(),
        }
    )
    patch_cache_control(response, public=True, max_age=settings.TAUTOKO["COUNT_CACHE_SECONDS"] + 1)
    return response
