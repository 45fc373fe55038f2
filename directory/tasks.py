"""Background work for the directory: listings indexed again after a change that their
search entries depend on (a term mapped to a need, a synonym that names a need)."""

from django.db import transaction
from django_tasks import task

from core import queues
from directory import fulltext, search_index
from directory.models import SearchDocument, Service


@task(queue_name=queues.BULK)
def refresh_term_listings(term_id: str) -> int:
    """After `actions.map_taxonomy_term`, for a term with many listings: each batch in its
    own transaction, so search sees the new need batch by batch, never a half-made one."""
    from directory.search import forget_synonyms

    forget_synonyms()  # inference reads them: not this worker's older copy
    return _refresh_in_batches(
        list(
            Service.terms.through.objects.filter(taxonomyterm_id=term_id)
            .order_by("service_id")
            .values_list("service_id", flat=True)
        )
    )


@task(queue_name=queues.BULK)
def refresh_phrase_listings(phrases: list[str]) -> int:
    """After a synonym that names needs is saved or deleted: the listings whose words
    hold all of a phrase's stems, whose inferred needs (`directory.need_inference`) may
    change. The text index finds them; each batch in its own transaction. A phrase made
    only of stop words ("on my own") has no stems to find them by: every published listing
    is indexed again."""
    from directory.search import forget_synonyms

    # This worker's copy of the synonyms may be older than the change that queued this.
    forget_synonyms()
    keys: set[int] = set()
    for phrase in phrases:
        stems = fulltext.words(phrase)
        if not stems:
            return _refresh_in_batches(
                list(Service.objects.public().order_by("id").values_list("id", flat=True))
            )
        having = fulltext.matching_keys(stems[:1])
        for stem in stems[1:]:
            having &= fulltext.matching_keys([stem])
        keys |= having
    ids = []
    if keys:
        ids = sorted(
            SearchDocument.objects.filter(key__in=fulltext.one_of(keys)).values_list(
                "service_id", flat=True
            )
        )
    return _refresh_in_batches(ids)


def _refresh_in_batches(ids) -> int:
    for start in range(0, len(ids), search_index.BATCH):
        with transaction.atomic():
            search_index.refresh(ids[start : start + search_index.BATCH])
    return len(ids)
