"""Compiled templates are kept on disk (config/jinja2.py): a new process loads them instead of
compiling every template again, an edited template is compiled afresh, and a cache that
cannot be written only costs speed."""

import logging
import os

import pytest
from jinja2 import DictLoader, Environment

from config import jinja2 as linkwork_jinja2


def build(cache_dir, templates, settings):
    settings.TEMPLATE_BYTECODE_DIR = str(cache_dir)
    return linkwork_jinja2.environment(loader=DictLoader(templates))


def test_a_new_process_loads_compiled_templates_instead_of_compiling(
    tmp_path, settings, monkeypatch
):
    templates = {"page.jinja": "Hello {{ name }}"}
    first = build(tmp_path, templates, settings)
    assert isinstance(first.bytecode_cache, linkwork_jinja2.TemplateBytecodeCache)
    assert first.get_template("page.jinja").render(name="Ann") == "Hello Ann"
    assert len(os.listdir(tmp_path)) == 1

    def no_compiling(*args, **kwargs):
        raise AssertionError("compiled again")

    second = build(tmp_path, templates, settings)  # as a new process would
    monkeypatch.setattr(Environment, "compile", no_compiling)
    assert second.get_template("page.jinja").render(name="Bo") == "Hello Bo"


def test_an_edited_template_is_compiled_afresh(tmp_path, settings):
    build(tmp_path, {"page.jinja": "old {{ name }}"}, settings).get_template("page.jinja")
    edited = build(tmp_path, {"page.jinja": "new {{ name }}"}, settings)
    assert edited.get_template("page.jinja").render(name="Cy") == "new Cy"


def test_a_cache_that_cannot_be_written_only_costs_speed(tmp_path, settings, caplog):
    if os.geteuid() == 0:
        pytest.skip("root writes to a read-only folder")  # pragma: no cover
    tmp_path.chmod(0o500)
    try:
        env = build(tmp_path, {"page.jinja": "Hi {{ name }}"}, settings)
        with caplog.at_level(logging.WARNING, logger="config.jinja2"):
            assert env.get_template("page.jinja").render(name="Di") == "Hi Di"
        assert "Could not keep a compiled template" in caplog.text
    finally:
        tmp_path.chmod(0o700)


def test_a_failed_write_is_logged_and_the_page_still_renders(
    tmp_path, settings, caplog, monkeypatch
):
    env = build(tmp_path, {"page.jinja": "Hi {{ name }}"}, settings)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(linkwork_jinja2.FileSystemBytecodeCache, "dump_bytecode", disk_full)
    with caplog.at_level(logging.WARNING, logger="config.jinja2"):
        assert env.get_template("page.jinja").render(name="Ed") == "Hi Ed"
    assert "No space left on device" in caplog.text


def test_a_folder_that_cannot_be_made_means_no_cache_not_no_pages(tmp_path, settings, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    settings.TEMPLATE_BYTECODE_DIR = str(blocker / "below")
    with caplog.at_level(logging.WARNING, logger="config.jinja2"):
        env = linkwork_jinja2.environment(loader=DictLoader({"p.jinja": "ok"}))
    assert env.get_template("p.jinja").render() == "ok"
