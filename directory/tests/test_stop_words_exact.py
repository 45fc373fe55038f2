"""Stop words are words, not stems (directory/text.py): a word is dropped only when it is
itself a stop word, never because its stem is also a stop word's stem."""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from directory.search import Query, search
from directory.text import STOP_WORDS, expand_query, normalise, stem, tokens, words
from tests import factories

DEMO_DIRECTORY = Path(__file__).resolve().parents[2] / "nonprod" / "county.py"

# Content words whose Snowball stem is the stem of a stop word, as found over the demo
# directory's words and the synonyms table; the old rule dropped every one of them.
COLLISIONS = {
    "quit": "quite",  # "quit smoking"
    "letting": "lets",  # "letting agents": "let's" is a Snowball stop word
    "lateness": "lately",
    "recent": "recently",  # "recent bereavement"
    "locality": "local",
    "others": "other",
    "likely": "like",
    "mostly": "most",
    "ups": "up",  # "meet-ups"
    "pleased": "please",
    "helpful": "help",
}


@pytest.mark.parametrize(("word", "stop_word"), sorted(COLLISIONS.items()))
def test_a_word_sharing_a_stop_words_stem_is_kept(word, stop_word):
    assert stop_word in STOP_WORDS and word not in STOP_WORDS
    assert stem(word) == stem(stop_word)  # the collision is real
    assert tokens(word) == [stem(word)]
    assert tokens(stop_word) == []


def test_sentences_keep_their_meaning():
    assert tokens("Quit smoking for good") == ["quit", "smoke", "good"]
    assert tokens("Advice on letting agents and recent evictions") == [
        "advic",
        "let",
        "agent",
        "recent",
        "evict",
    ]
    # The query words that say nothing go in every form the list gives them.
    assert tokens("I needed help, was looking for someone locally who finds things") == ["thing"]


def test_the_demo_directorys_words_are_dropped_only_when_they_are_stop_words():
    lost = []
    for word in set(words(DEMO_DIRECTORY.read_text())):
        kept = tokens(word)
        if word in STOP_WORDS or (len(word) < 2 and not word.isdigit()):
            assert kept == []
        elif kept != [stem(word)]:
            lost.append(word)
    assert lost == []


_word = st.from_regex(r"[a-z]{2,12}", fullmatch=True)
_stop = st.sampled_from(sorted(STOP_WORDS))


@given(_word)
def test_any_word_not_on_the_list_gives_its_stem(word):
    if word in STOP_WORDS:
        assert tokens(word) == []
    else:
        assert tokens(word) == [stem(word)]


@given(st.lists(st.one_of(_word, _stop, st.sampled_from(sorted(COLLISIONS))), max_size=15))
def test_stop_words_in_a_text_change_nothing_but_themselves(chosen):
    # Taking the stop words out of a text leaves its tokens as they were, and every
    # other word is there, in order, as its stem.
    text = " ".join(chosen)
    without = [w for w in chosen if w not in STOP_WORDS]
    assert tokens(text) == tokens(" ".join(without)) == [stem(w) for w in without]


@given(st.lists(_stop, min_size=1, max_size=10), _word)
def test_a_query_keeps_its_content_word_among_stop_words(stops, word):
    stems = expand_query(" ".join([*stops, word, *stops]), []).stems
    assert stems == ({} if word in STOP_WORDS else {stem(word): 1.0})


def test_synonym_phrases_still_match_with_their_stop_words_in():
    synonyms = [
        ("lost my", {"bereavement"}, {"bereavement"}),
        ("quit smoking", {"stop smoking"}, {"long-term-condition"}),
        ("feeling down", {"wellbeing"}, {"low-mood"}),
    ]
    stems, needs, phrases = expand_query("I want to quit smoking", synonyms)
    assert phrases == ["quit smoking"] and needs == {"long-term-condition"}
    assert stems == {"quit": 1.0, "smoke": 1.0, "stop": 0.5}
    stems, needs, _ = expand_query("I've lost my wife and I'm feeling down", synonyms)
    assert needs == {"bereavement", "low-mood"}
    assert stems == {"lost": 1.0, "wife": 1.0, "feel": 1.0, "bereav": 0.5, "wellb": 0.5}


def test_normalised_forms_of_a_stop_word_are_the_stop_word():
    # Matched after normalising: case, typographic apostrophes and accents do not hide one.
    assert tokens("QUITE Don’t LATELY Wants") == []
    assert normalise("Don’t") in STOP_WORDS


@pytest.mark.django_db
def test_a_listing_is_found_by_a_word_that_shares_a_stop_words_stem(area):
    factories.activity(area=area, name="Quit smoking clinic", needs=(), description="Weekly")
    factories.activity(area=area, name="Knit and natter", needs=(), description="Knitting")
    assert [m.name for m in search(Query(text="quit")).matches] == ["Quit smoking clinic"]
