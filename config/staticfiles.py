"""Static files: hashed names and compressed copies once collected.

`manage.py collectstatic` (run when the image is built, or by docker/entrypoint.sh) writes
each file under a name with a hash of its contents (`nhsuk-linkwork.3f2a9c1b4d5e.css`), a
gzip copy beside it, rewrites the URLs inside the stylesheets to match, and records the
names in `staticfiles.json`. WhiteNoise then serves those names with
`Cache-Control: max-age=315360000, public, immutable` and the compressed copy to browsers
that accept it: a browser fetches each file once, and a new release changes the names.

Before anything is collected (development, the tests, the demo) there is no manifest and
pages link to the plain names, which WhiteNoise serves straight from the source folders.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    # A name the manifest does not list is hashed from the collected file, and a folder
    # (the layout's static("assets"), which the NHS.UK macros add icon paths to) keeps its
    # plain name; a file that was never collected is still an error.
    manifest_strict = False

    def stored_name(self, name):
        if not self.hashed_files:  # nothing collected yet: the finders serve the plain name
            return name
        return super().stored_name(name)
