"""Alias mining: precision / recall on the seeds against the hand-labelled list, and the rules."""
import os

import pytest

from searcher.names import MinedPair, mine_pairs
from searcher.names.keys import norm_key, read_table
from searcher.names.mining import parse_bracket

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LABELS = os.path.join(ROOT, "tests", "mined_labels_seeds.tsv")

# Measured: 46 labelled unique pairs (87 occurrences); 45 mined, all right: P = 1.000, R = 0.978
# (occurrences: 85 mined, 85 right).  The miss is 新亞歷山大羅夫卡定居點（Novoalexandrovka）:
# 新 (Novo-) is a translation, not a transliteration, so the name is refused rather than cut.
MIN_PRECISION = 0.93
MIN_RECALL = 0.93


def _labels():
    yes, no = set(), []
    for row in read_table(LABELS):
        if row["label"] == "yes":
            yes.add((row["zh"], norm_key(row["alias"])))
        else:
            no.append(row)
    return yes, no


def test_precision_recall_on_seeds(seed_pairs):
    gold, _ = _labels()
    got = {(p.zh, norm_key(p.alias)) for p in seed_pairs}
    tp = got & gold
    precision = len(tp) / len(got)
    recall = len(tp) / len(gold)
    print(f"\nmined pairs on seeds: {len(got)} unique, {len(gold)} labelled, {len(tp)} right: "
          f"P={precision:.3f} R={recall:.3f}")
    print("  wrong:", sorted(got - gold))
    print("  missed:", sorted(gold - got))
    assert len(gold) >= 40
    assert precision >= MIN_PRECISION
    assert recall >= MIN_RECALL


def test_negatives_are_never_mined(seed_pairs):
    _, negatives = _labels()
    aliases = {norm_key(p.alias) for p in seed_pairs}
    for row in negatives:
        assert norm_key(row["alias"]) not in aliases, row


def test_provenance_points_at_the_paragraph(seed_pairs, seed_paragraphs):
    paras = {(a, n): t for a, n, t in seed_paragraphs}
    for p in seed_pairs:
        assert isinstance(p, MinedPair)
        assert p.zh in paras[(p.id, p.n)]


def _mine(text):
    return {(p.zh, p.alias) for p in mine_pairs([("a", 1, text)])}


@pytest.mark.parametrize(
    "text, pair",
    [
        ("烏克蘭總統澤連斯基（Volodymyr Zelensky）表示", ("澤連斯基", "Volodymyr Zelensky")),
        ("俄羅斯外長拉夫羅夫（Sergei Lavrov）說", ("拉夫羅夫", "Sergei Lavrov")),
        ("英國首相施紀賢（Keir Starmer）表示", ("施紀賢", "Keir Starmer")),
        ("德國總理默茨（Friedrich Merz）週一", ("默茨", "Friedrich Merz")),
        ("法國總統馬克宏（Emmanuel Macron）今天", ("馬克宏", "Emmanuel Macron")),
        ("白宮發言人李維特（Karoline Leavitt）指出", ("李維特", "Karoline Leavitt")),
        ("會議在美國阿拉斯加州安克拉治（Anchorage）舉行", ("安克拉治", "Anchorage")),
        ("北約和澤連斯基（Volodymyr Zelensky）", ("澤連斯基", "Volodymyr Zelensky")),
        ("在德國漢堡二十國集團（G20）峰會上", ("二十國集團", "G20")),
        ("出席亞太經合組織（APEC）峰會", ("亞太經合組織", "APEC")),
        ("研究機構「戰爭研究所」（ISW）的數據", ("戰爭研究所", "ISW")),
        ("在埃爾門多夫—理查森聯合軍事基地（Joint Base Elmendorf–Richardson）迎接",
         ("埃爾門多夫—理查森聯合軍事基地", "Joint Base Elmendorf–Richardson")),
        ("包括頓涅茨克州（Donetsk）剩餘的土地", ("頓涅茨克", "Donetsk")),
        ("美國總統川普(Donald Trump)與俄國總統普京(Vladimir Putin)選擇", ("川普", "Donald Trump")),
        ("美國總統川普(Donald Trump)與俄國總統普京(Vladimir Putin)選擇", ("普京", "Vladimir Putin")),
        ("英國作家威廉·瓊斯（William Jones，1746年－1794年）發現", ("威廉·瓊斯", "William Jones")),
    ],
)
def test_boundary(text, pair):
    assert pair in _mine(text)


def test_also_translated_gives_chinese_aliases():
    got = _mine("美國總統特朗普（Donald Trump，又譯川普）和俄羅斯總統普京（Vladimir Putin，又譯普丁或蒲亭）會晤")
    assert {("特朗普", "Donald Trump"), ("特朗普", "川普"), ("普京", "Vladimir Putin"),
            ("普京", "普丁"), ("普京", "蒲亭")} <= got


@pytest.mark.parametrize(
    "text",
    [
        "特朗普在會面之後同普京一起見記者。（Reuters）",
        "總統特朗普在白宮新聞發布室舉行發布會（Reuters）",
        "美國總統特朗普（右）與俄羅斯總統普京",
        "特朗普接受霍士新聞台專訪。（影片截圖）",
        "將面臨「嚴重後果」（severe consequences）",
        "這對川普來說是一次聆聽的行程（listening exercise）",
        "濃煙滾滾升空。（X@ZelenskyyUa）",
        "到訪白宮發生言語衝突。（Getty）",
        "購買俄羅斯石油的國家（如中國）",
        "據美聯社（AP）報導",
    ],
)
def test_rejects_credits_positions_and_phrases(text):
    assert _mine(text) == set()


def test_position_after_alias_is_ignored():
    assert _mine("外長拉夫羅夫（Sergei Lavrov，左二）") == {("拉夫羅夫", "Sergei Lavrov")}


def test_parse_bracket():
    assert parse_bracket("Vladimir Putin，又譯普丁或蒲亭") == ("Vladimir Putin", ["普丁", "蒲亭"])
    assert parse_bracket("英語：William Jones，1746年－1794年") == ("William Jones", [])
    assert parse_bracket("Reuters") == (None, [])
    assert parse_bracket("左二") == (None, [])
    assert parse_bracket("G20") == ("G20", [])


def test_one_character_and_common_words_are_not_names():
    assert _mine("他說普（Putin）") == set()
    assert _mine("美國提供導彈（missiles）") == set()
