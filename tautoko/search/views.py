from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from tautoko.petitions.counts import counts_current
from tautoko.search.forms import SearchForm
from tautoko.search.services import STATE_CHOICES, Search, petitions_search

# The lists of petitions by state are searches with one filter set.
LISTS = [(state, label) for state, label in STATE_CHOICES if state != "awaiting"]


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    lists = [(state, label, "?" + urlencode({"state": state})) for state, label in LISTS]
    if not form.is_valid():
        context = {"form": form, "lists": lists, "language_next": request.get_full_path()}
        return render(request, "search/search.html", context, status=400)
    data = form.cleaned_data
    query = Search(
        text=data["q"],
        state=data["state"],
        decision_maker=data["to"],
        electorate=data["electorate"],
        sort=data["sort"],
    )
    paginator = Paginator(petitions_search(search=query), settings.TAUTOKO["SEARCH_PAGE_SIZE"])
    page = paginator.get_page(request.GET.get("page"))
    petitions = list(page.object_list)
    counts = counts_current(petition_ids=[p.id for p in petitions])
    for petition in petitions:
        petition.count = counts.get(petition.id, petition.settled_count)  # type: ignore[attr-defined]
    kept = {key: value for key, value in request.GET.items() if key != "page" and value}
    return render(
        request,
        "search/search.html",
        {
            "form": form,
            "search": query,
            "page": page,
            "petitions": petitions,
            "lists": lists,
            "page_query": urlencode(kept),
            # Switching language shows the same results, in the other language.
            "language_next": request.get_full_path(),
        },
    )
