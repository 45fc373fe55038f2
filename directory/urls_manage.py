from django.urls import path

from directory.views import manage

app_name = "directory_manage"
urlpatterns = [
    path("listings/", manage.provider_listings, name="provider_listings"),
    path("listings/<uuid:pk>/", manage.provider_listing, name="provider_listing"),
    path("listings/<uuid:pk>/checked/", manage.provider_verify, name="provider_verify"),
    path("listings/<uuid:pk>/places/", manage.provider_places, name="provider_places"),
    path("changes/", manage.editor_changes, name="editor_changes"),
    path("changes/<uuid:pk>/", manage.editor_change, name="editor_change"),
    path("reports/<uuid:pk>/resolve/", manage.editor_resolve_flag, name="resolve_flag"),
    path("synonyms/", manage.editor_synonyms, name="synonyms"),
    path("synonyms/<uuid:pk>/", manage.editor_synonyms, name="synonym"),
    path("taxonomies/", manage.editor_taxonomies, name="taxonomies"),
]
