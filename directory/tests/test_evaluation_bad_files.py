"""A judgement file that cannot be read says why, never with a traceback."""

import json

import pytest

from directory.evaluation import JudgementError, load


def test_a_file_not_in_utf8_says_so(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes('{"person": "Zo\xeb"}'.encode("latin-1"))
    with pytest.raises(JudgementError) as refused:
        load(path)
    assert "is not UTF-8 text" in refused.value.problems[0]


def test_a_case_id_that_is_not_a_string_is_a_problem_not_a_crash(tmp_path):
    path = tmp_path / "odd.json"
    path.write_text(
        json.dumps(
            {
                "format": "linkwork-judgements/1",
                "split": "dev",
                "cases": [{"id": ["a", "list"], "person": "x", "query": {}, "judgements": {}}],
            }
        )
    )
    with pytest.raises(JudgementError) as refused:
        load(path)
    assert any("id: must be a non-empty string" in p for p in refused.value.problems)
