"""jieba's dictionary, compiled once into the names cache and memory-mapped."""
import os

from searcher.names import jieba_words as jw


def test_the_compiled_dictionary_answers_as_the_file_reads(tmp_path, monkeypatch):
    monkeypatch.setenv("SEARCHER_CACHE_DIR", str(tmp_path))
    source = tmp_path / "dict.txt"
    source.write_text("中国 100 ns\n克兰 3 nr\n主管机关 40 n\n無詞性 7\n中国 120 ns\n", encoding="utf-8")
    words = jw.load(str(source))
    assert words.get("中国") == (120, "ns") and words.get("無詞性") == (7, "x") and words.get("乌克兰") is None
    assert "克兰" in words and "克" not in words and "\ud800" not in words and len(words) == 4
    assert words.get("\ud800中") is None
    assert dict(words.items()) == jw.parse(str(source))
    (folder,) = [f for f in os.listdir(tmp_path) if f.startswith("jieba-dict-")]
    again = jw.load(str(source))  # mapped from the cache, not compiled again
    assert dict(again.items()) == dict(words.items()) and os.listdir(tmp_path).count(folder) == 1
    source.write_text("中国 5 ns\n", encoding="utf-8")  # another version of the file: compiled anew
    os.utime(source, ns=(1, 1))
    assert dict(jw.load(str(source)).items()) == {"中国": (5, "ns")}


def test_jiebas_own_dictionary_is_the_bundled_file():
    words = jw.jieba_words()
    ref = jw.parse(jw.dict_path())
    assert len(words) == len(ref)
    sample = list(ref.items())[::5003]
    assert all(words.get(w) == v for w, v in sample) and "烏克蘭" not in words


def test_character_frequencies_are_compiled_with_the_dictionary(tmp_path, monkeypatch):
    monkeypatch.setenv("SEARCHER_CACHE_DIR", str(tmp_path))
    source = tmp_path / "dict.txt"
    source.write_text("中国 100 ns\n国家 30 n\n克兰 3 nr\n家 7\n", encoding="utf-8")
    words = jw.load(str(source))
    # names (ns, nr) count for nothing: a character is ordinary by the plain words holding it
    assert words.char_freq() == {"国": 30, "家": 37}
    assert jw.load(str(source)).char_freq() == {"国": 30, "家": 37}  # mapped from the cache
