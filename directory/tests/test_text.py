"""The one tokenizer (directory.text): normalisation, stems, stop words, synonym phrases
matched before stop words go, and BM25F."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from directory import text
from directory.text import (
    FIELDS,
    STOP_WORDS,
    bm25f,
    expand_query,
    field_counts,
    idf,
    normalise,
    pseudo_tf,
    saturate,
    stem,
    tokens,
)

SYNONYMS = [
    ("lost my", {"bereavement", "loss"}, {"bereavement"}),
    ("cant sleep", {"relaxation", "calm"}, {"anxiety"}),
    ("can t sleep", {"relaxation", "calm"}, {"anxiety"}),
    ("money worries", {"debt", "advice"}, {"money-debt"}),
    ("feeling down", {"wellbeing", "peer", "support"}, {"low-mood"}),
    ("no friends", {"befriending"}, {"loneliness"}),
    ("sing", {"choir", "singing", "music"}, set()),
]


def test_normalise_casefolds_compatibility_forms_and_accents():
    assert normalise("  CAFÉ\tﬁtness—Straße  ") == "cafe fitness strasse"
    assert normalise("Cafe\u0301") == normalise("Café") == "cafe"
    assert normalise("İlkley") == "ilkley"
    assert normalise("in daventry,") == "in daventry"


def test_apostrophes():
    assert normalise("Men's Shed") == "men shed"
    assert normalise("Men’s Shed") == "men shed"  # typographic apostrophe
    assert normalise("can't") == normalise("can’t") == "cant"
    assert normalise("carers' group") == "carers group"
    assert normalise("'quoted'") == "quoted"


def test_scripts_with_marks_keep_their_words_whole():
    assert normalise("हिन्दी बातचीत") == "हिन्दी बातचीत"


def test_plurals_and_verb_forms_meet_as_the_stemmer_says():
    assert stem("singing") == stem("sings") == stem("sing") == "sing"
    # Snowball keeps the agent noun apart, and singular and plural together.
    assert stem("singers") == stem("singer") == "singer" != stem("sing")
    assert tokens("Walks walking walked") == ["walk", "walk", "walk"]
    assert tokens("carers caring") == ["carer", "care"]
    assert tokens("bereaved bereavement") == ["bereav", "bereav"]


def test_stop_words_go_and_content_words_stay():
    assert tokens("I want something local near me for my mum") == ["mum"]
    assert tokens("looking for help with money") == ["money"]
    # "support" and "group" are content words (see the module): BM25F weighs them down.
    assert tokens("carers support group") == ["carer", "support", "group"]
    # Contractions that are words once their apostrophe goes stay words.
    assert tokens("Men's Shed, Wednesdays") == ["men", "shed", "wednesday"]
    assert tokens("ill health") == ["ill", "health"]
    assert tokens("wanted wants") == []


def test_stop_list_size_and_additions():
    assert 165 <= len(STOP_WORDS) <= 230
    for word in ("want", "looking", "help", "local", "something", "near"):
        assert word in STOP_WORDS
    for word in ("support", "group", "shed", "men", "women", "carers", "ill"):
        assert word not in STOP_WORDS


def test_field_counts():
    assert field_counts("Singing for the brain: sing, sing!") == {"sing": 3, "brain": 1}
    assert field_counts("") == {}


def test_synonym_phrases_match_before_stop_words_go():
    stems, needs, phrases = expand_query("I've lost my wife", SYNONYMS)
    assert needs == {"bereavement"}
    assert phrases == ["lost my"]
    assert stems == {"lost": 1.0, "wife": 1.0, "bereav": 0.5, "loss": 0.5}


def test_synonym_phrases_match_stem_by_stem():
    assert expand_query("money worry", SYNONYMS).needs == {"money-debt"}
    assert expand_query("I feel down", SYNONYMS).needs == {"low-mood"}
    assert expand_query("can't sleep", SYNONYMS).phrases == ["cant sleep"]
    assert expand_query("I have no friends", SYNONYMS).needs == {"loneliness"}
    assert expand_query("singing", SYNONYMS).phrases == ["sing"]


def test_synonym_phrases_match_whole_words_only():
    assert expand_query("singapore", SYNONYMS).phrases == []
    assert expand_query("lost mystery", SYNONYMS).needs == set()
    assert expand_query("", SYNONYMS) == ({}, set(), [])


def test_typed_words_keep_full_weight_when_a_synonym_adds_them_too():
    stems, _, _ = expand_query("sing in a choir", SYNONYMS)
    assert stems["choir"] == 1.0 and stems["sing"] == 1.0 and stems["music"] == 0.5


def test_weaker_words_weigh_less():
    # What matters to the person and their goals (ADR §3: 0.3).
    stems, needs, _ = expand_query("singing with friends", SYNONYMS, weight=0.3)
    assert stems == {"sing": 0.3, "friend": 0.3, "choir": 0.15, "music": 0.15}
    assert needs == set()


def test_expand_query_accepts_the_engine_synonyms_format(db):
    from directory.models import Synonym
    from directory.search import forget_synonyms, synonyms
    from referrals.models import Need

    forget_synonyms()
    synonym = Synonym.objects.create(phrase="widowed", expands_to="bereavement widow")
    synonym.needs.set(Need.objects.filter(code="bereavement"))
    forget_synonyms()
    stems, needs, phrases = expand_query("recently widowed", synonyms())
    assert "widowed" in phrases and "bereavement" in needs
    assert "bereav" in stems and "widow" in stems
    forget_synonyms()


def test_idf_falls_as_more_listings_have_the_stem():
    assert idf(1, 1000) > idf(10, 1000) > idf(500, 1000) > idf(1000, 1000) > 0
    assert idf(0, 10) == pytest.approx(math.log(1 + 10.5 / 0.5))


def test_pseudo_tf_weights_fields_and_normalises_length():
    avg = {"name": 4.0, "description": 40.0}
    in_name = pseudo_tf({"name": 1}, {"name": 4.0}, avg)
    in_description = pseudo_tf({"description": 1}, {"description": 40.0}, avg)
    assert in_name == pytest.approx(3.0) and in_description == pytest.approx(1.0)
    long_description = pseudo_tf({"description": 1}, {"description": 120.0}, avg)
    w, b = FIELDS["description"]
    assert long_description == pytest.approx(w / (1 - b + b * 3))
    assert pseudo_tf({"unknown": 3}, {}, avg) == 0.0
    assert pseudo_tf({"organisation": 1}, {"organisation": 2.0}, {}) == pytest.approx(0.5)


def test_saturate():
    assert saturate(0) == 0
    assert saturate(1.2) == pytest.approx(0.5)
    assert saturate(1) < saturate(3) < saturate(100) < 1


def test_bm25f_prefers_the_name_and_the_rarer_word():
    df = {"choir": 5, "sing": 20, "group": 200}
    avg = {"name": 3.0, "description": 30.0}
    # Descriptions of about average length, so that length normalisation is neutral.
    filler = " ".join(f"word{i}" for i in range(28))
    choir = {
        "name": field_counts("Community Choir"),
        "description": field_counts(f"We sing together {filler}"),
    }
    generic = {
        "name": field_counts("Tuesday group"),
        "description": field_counts(f"A choir of friends {filler}"),
    }
    query = expand_query("choir", []).stems
    assert bm25f(query, choir, df, 1000, avg) > bm25f(query, generic, df, 1000, avg) > 0
    rare_hit = bm25f({"choir": 1.0}, choir, df, 1000, avg)
    common_hit = bm25f({"group": 1.0}, generic, df, 1000, avg)
    assert rare_hit > common_hit
    assert bm25f({"absent": 1.0}, choir, df, 1000, avg) == 0
    assert bm25f({"choir": 0.5}, choir, df, 1000, avg) == pytest.approx(rare_hit / 2)


# Properties.

_unicode = st.text(max_size=80)


@given(_unicode)
def test_any_input_never_raises_and_normalises_idempotently(value):
    once = normalise(value)
    assert normalise(once) == once
    assert tokens(once) == tokens(value)
    expand_query(value, SYNONYMS)
    field_counts(value)


@given(_unicode)
def test_no_stop_word_ever_in_tokens(value):
    # Only words that are stop words go (not words whose stem a stop word shares: "quite"
    # goes, "quit" stays); one-letter words go unless digits.
    kept = [w for w in text.words(value) if w not in STOP_WORDS and (len(w) > 1 or w.isdigit())]
    assert tokens(value) == [stem(w) for w in kept]
    assert all(t.strip() == t and t for t in tokens(value))


@given(st.lists(st.sampled_from(sorted(STOP_WORDS)), max_size=12))
def test_only_stop_words_give_no_tokens(stops):
    assert tokens(" ".join(stops)) == []
    assert expand_query(" ".join(stops), []).stems == {}


@given(_unicode, _unicode)
def test_stems_are_stable_across_index_and_query(a, b):
    # A listing's text and a person's words meet stem for stem: the tokens of two texts
    # side by side are the tokens of each, and do not depend on case or spacing.
    assert tokens(f"{a} {b}") == tokens(a) + tokens(b)
    assert tokens(a) == tokens(a)
    assert tokens(f"  {a}\n") == tokens(a)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz' -,.", max_size=60))
def test_ascii_case_does_not_matter(value):
    assert tokens(value.upper()) == tokens(value)
    assert expand_query(value.upper(), SYNONYMS) == expand_query(value, SYNONYMS)
