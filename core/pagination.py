from django.core.paginator import Paginator

PAGE_SIZE = 25


def paginate(request, queryset, per_page: int = PAGE_SIZE):
    """A page of results; a bad or too-large page number gives the nearest real page."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def page_number(request) -> int:
    """The ?page= number asked for; anything odd means the first page."""
    value = request.GET.get("page", "1")
    return max(1, int(value)) if value.isdigit() else 1
