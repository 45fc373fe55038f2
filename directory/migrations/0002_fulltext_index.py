from django.db import migrations

# The first text index, over directory_service.search_text; 0006 replaces it. The SQL is
# written out here so that this migration does not change when directory.fulltext does.
CREATE = {
    "sqlite": "CREATE VIRTUAL TABLE IF NOT EXISTS directory_service_fts USING fts5("
    "service_id UNINDEXED, body, tokenize='porter unicode61')",
    "postgresql": "CREATE INDEX IF NOT EXISTS directory_service_fts_gin ON directory_service "
    "USING GIN (to_tsvector('english', search_text))",
}
DROP = {
    "sqlite": "DROP TABLE IF EXISTS directory_service_fts",
    "postgresql": "DROP INDEX IF EXISTS directory_service_fts_gin",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor in CREATE:
        schema_editor.execute(CREATE[schema_editor.connection.vendor])


def drop(apps, schema_editor):
    if schema_editor.connection.vendor in DROP:
        schema_editor.execute(DROP[schema_editor.connection.vendor])


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
