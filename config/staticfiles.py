"""Static files: hashed names and compressed copies once collected.

`manage.py collectstatic` (run when the image is built, or by docker/entrypoint.sh) writes
each file under a name with a hash of its contents (`nhsuk-linkwork.3f2a9c1b4d5e.css`), a
gzip and a Brotli copy beside it (`.gz`, `.br`: the `brotli` package), rewrites the URLs
inside the stylesheets to match, and records the names in `staticfiles.json`. WhiteNoise
then serves those names with `Cache-Control: max-age=315360000, public, immutable` and the
compressed copy to browsers that accept it (Brotli, a fifth smaller than gzip for our
stylesheet, to nearly all): a browser fetches each file once, and a new release changes
the names.

Before anything is collected (development, the tests, the demo) there is no manifest and
pages link to the plain names, which WhiteNoise serves straight from the source folders.
"""

from django.conf import settings
from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage

# Brotli at its best (quality 11) costs about 6 s a megabyte, once, when the image is built;
# every file a page loads is far smaller than this. The few larger ones (django-ninja's
# Swagger and ReDoc bundles, read only by API developers) get quality 9: 9% bigger, 20 times
# quicker, and collectstatic stays within seconds of what it took with gzip alone.
BEST_BROTLI_UP_TO = 512 * 1024


class _Compressor(Compressor):
    @staticmethod
    def compress_brotli(data):
        import brotli

        return brotli.compress(data, quality=11 if len(data) <= BEST_BROTLI_UP_TO else 9)


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    # A name the manifest does not list is hashed from the collected file, and a folder
    # (the layout's static("assets"), which the NHS.UK macros add icon paths to) keeps its
    # plain name; a file that was never collected is still an error.
    manifest_strict = False

    def create_compressor(self, **kwargs):
        # Source maps are fetched only by a browser's developer tools, never by a page (and
        # they are most of the bytes collected): not worth compressing twice over.
        if getattr(settings, "WHITENOISE_SKIP_COMPRESS_EXTENSIONS", None) is None:
            kwargs["extensions"] = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
        return _Compressor(**kwargs)

    def stored_name(self, name):
        if not self.hashed_files:  # nothing collected yet: the finders serve the plain name
            return name
        return super().stored_name(name)
