from uuid import UUID

from django.core.management.base import BaseCommand, CommandError

from core.errors import ActionError
from directory.actions import map_taxonomy_term
from directory.models import TaxonomyTerm
from referrals.models import Need


class Command(BaseCommand):
    help = (
        "Map a taxonomy term to a linkwork need, or to its words only, as the installation's "
        "operator: for shared taxonomies, which no one area's editors may map."
    )

    def add_arguments(self, parser):
        parser.add_argument("term", help="The term's id")
        parser.add_argument("need", help="A need code, or 'words' for its words only")

    def handle(self, *args, term: str, need: str, **options):
        try:
            found = TaxonomyTerm.objects.filter(pk=UUID(term)).first()
        except ValueError:
            found = None
        if found is None:
            raise CommandError(f"No taxonomy term with id {term!r}")
        chosen = None
        if need != "words":
            chosen = Need.objects.filter(code=need, active=True).first()
            if chosen is None:
                codes = ", ".join(Need.objects.filter(active=True).values_list("code", flat=True))
                raise CommandError(f"{need!r} is not a need code ({codes}), nor 'words'")
        try:
            mapped = map_taxonomy_term(found, chosen, by=None)
        except ActionError as error:
            raise CommandError(error.message) from None
        self.stdout.write(
            f"'{mapped.name}' ({mapped.taxonomy.name}) now means "
            f"{chosen.label if chosen else 'its words only'}."
        )
