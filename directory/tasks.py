"""Background work for the directory: a mapped term's listings, indexed again."""

from django.db import transaction
from django_tasks import task

from core import queues
from directory import search_index
from directory.models import Service


@task(queue_name=queues.BULK)
def refresh_term_listings(term_id: str) -> int:
    """After `actions.map_taxonomy_term`, for a term with many listings: each batch in its
    own transaction, so search sees the new need batch by batch, never a half-made one."""
    ids = list(
        Service.terms.through.objects.filter(taxonomyterm_id=term_id)
        .order_by("service_id")
        .values_list("service_id", flat=True)
    )
    for start in range(0, len(ids), search_index.BATCH):
        with transaction.atomic():
            search_index.refresh(ids[start : start + search_index.BATCH])
    return len(ids)
