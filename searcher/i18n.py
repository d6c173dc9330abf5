"""The page's words in Traditional Chinese (default), Simplified Chinese and English.

``CATALOG`` holds each message in Traditional Chinese and English; the Simplified
text is converted from the Traditional with OpenCC's Taiwan-to-mainland phrase
table (搜尋 → 搜索, 軟體 → 软件) unless ``SIMPLIFIED`` gives it.  Messages are
``str.format`` templates.  ``localize_error`` turns the engine's English query
errors into the page's language; ``format_date`` writes dates as the language
does (2025年8月16日, 16 Aug 2025).
"""
from __future__ import annotations

import datetime as _dt
import re
from functools import lru_cache

LANGS = ("zh-Hant", "zh-Hans", "en")
DEFAULT = "zh-Hant"
LANG_NAMES = {"zh-Hant": "繁體", "zh-Hans": "简体", "en": "English"}

CATALOG: dict[str, tuple[str, str]] = {
    # key: (Traditional Chinese, English)
    "brand": ("新聞搜尋", "News search"),
    "search": ("搜尋", "Search"),
    "placeholder": ("人名、地名、關鍵字", "names, places, words"),
    "options": ("選項", "Options"),
    "from": ("由", "From"),
    "to": ("至", "to"),
    "sort": ("排序", "Sort"),
    "sort.relevance": ("相關度", "relevance"),
    "sort.date": ("日期（新→舊）", "date (newest first)"),
    "sort.-date": ("日期（舊→新）", "date (oldest first)"),
    "match": ("配對", "Match"),
    "op.and": ("全部詞", "all words"),
    "op.or": ("任一詞", "any word"),
    "typed_only": ("只搜尋所輸入的拼寫", "only the spelling typed"),
    "language": ("語言", "Language"),
    "count": ("{total} 篇文章符合", "{total} articles match"),
    "count.one": ("1 篇文章符合", "1 article matches"),
    "page_of": ("第 {page} / {pages} 頁", "page {page} of {pages}"),
    "past_last_page": ("沒有第 {page} 頁：結果只有 {pages} 頁。", "There is no page {page}: the results have {pages}."),
    "to_last_page": ("回到第 {pages} 頁", "Back to page {pages}"),
    "no_results": ("沒有符合的文章。", "No article matches."),
    "try": ("可以試試：", "You could try:"),
    "try.spelling": ("其他譯名「{q}」", "another spelling, “{q}”"),
    "try.variants_on": ("連同其他譯名一起搜尋", "searching every spelling of the names"),
    "try.exclude_off": ("恢復所有譯名", "switching every spelling back on"),
    "try.or": ("任一詞符合即可", "matching any word"),
    "try.dates": ("不限日期", "any date"),
    "try.sources": ("所有媒體", "every outlet"),
    "try.n": ("{n} 篇", "{n} articles"),
    "prev": ("‹ 上一頁", "‹ Previous"),
    "next": ("下一頁 ›", "Next ›"),
    "pages": ("分頁", "Pages"),
    "also_searched": ("也搜尋了", "Also searched"),
    "spellings": ("譯名", "Spellings"),
    "spellings.of": ("「{term}」的譯名", "Spellings of “{term}”"),
    "spellings.off": ("只搜尋所輸入的", "search only what I typed"),
    "spellings.on": ("也搜尋其他譯名", "include other spellings"),
    "spellings.are_off": ("只搜尋所輸入的拼寫。", "Only the spelling typed is searched."),
    "spelling.switch_off": ("不搜尋「{s}」", "stop searching “{s}”"),
    "spelling.switch_on": ("也搜尋「{s}」", "search “{s}” too"),
    "spelling.typed": ("所輸入的", "as typed"),
    "spelling.zero": ("另 {n} 種拼寫：0 篇", "{n} more spellings: none"),
    "spelling.table": ("各譯名的使用：篇數、媒體、時間", "Who writes which spelling, and when"),
    "spelling.col": ("譯名", "Spelling"),
    "spelling.total": ("篇數", "Articles"),
    "spelling.period": ("期間", "Period"),
    "spelling.other_outlets": ("其他", "others"),
    "outlets": ("媒體", "Outlets"),
    "outlet.all": ("所有媒體", "all outlets"),
    "outlet.remove": ("移除「{s}」篩選", "remove the “{s}” filter"),
    "time": ("時間", "Time"),
    "time.by_month": ("每月篇數", "articles a month"),
    "time.by_year": ("每年篇數", "articles a year"),
    "time.by_day": ("每日篇數", "articles a day"),
    "time.max": ("最多 {n} 篇", "at most {n}"),
    "time.bar": ("{when}：{n} 篇，按此只看這段時間", "{when}: {n} articles; click to see only these"),
    "range.week": ("過去一週", "past week"),
    "range.month": ("過去一個月", "past month"),
    "range.year": ("過去一年", "past year"),
    "range.all": ("不限日期", "any date"),
    "undated": ("{n} 篇未註明日期", "{n} undated"),
    "undated.only": ("只看未註明日期的", "only the undated ones"),
    "undated.include": ("連同未註明日期的", "include the undated ones"),
    "undated.showing": ("正顯示未註明日期的文章", "Showing the undated articles"),
    "undated.hidden": ("日期篩選略去了 {n} 篇未註明日期的文章", "The date filter leaves out {n} undated articles"),
    "export": ("匯出", "Export"),
    "export.note": ("每個符合的段落（最多 {cap} 段）", "every matching passage (at most {cap})"),
    "original": ("原文", "original"),
    "by": ("撰文：{a}", "by {a}"),
    "paragraph": ("¶{n}", "¶{n}"),
    "paragraphs": ("{n} 段", "{n} paragraphs"),
    "back": ("← 返回結果", "← Back to results"),
    "cite": ("引用", "cite"),
    "cite.title": ("複製這一段的引用", "copy a citation of this paragraph"),
    "cite.copied": ("已複製引用", "Citation copied"),
    "match.prev": ("‹ 上一處", "‹ previous"),
    "match.next": ("下一處 ›", "next ›"),
    "match.count": ("{n} 處符合", "{n} matches"),
    "match.none": ("本文沒有符合「{q}」的段落", "No paragraph here matches “{q}”"),
    "fold": ("¶{a} 重複 ¶{b}", "¶{a} repeat ¶{b}"),
    "fold.show": ("展開", "show"),
    "rep.exact": ("重複", "repeated"),
    "rep.near": ("近似重複", "near repeat"),
    "rep.partial": ("部分重複", "partly repeated"),
    "rep.boilerplate": ("樣板文字 · {n} 份", "boilerplate · {n} copies"),
    "rep.also": ("另見", "also"),
    "rep.also_in": ("另見於", "also in"),
    "rep.more": ("（另有 {n} 處）", " (+{n} more)"),
    "rep.title": ("{kind}，相似度 {sim}", "{kind} repeat, similarity {sim}"),
    "dup": ("與上方《{title}》¶{n} 相同的段落", "same passage as {title} ¶{n} above"),
    "help": ("輸入關鍵字搜尋。簡體、繁體都可以：<b>乌克兰</b> 也會找到 <b>烏克蘭</b>；人名的各種譯名一起搜尋"
             "（<b>川普</b> 也會找到 <b>特朗普</b>）。",
             "Type a word in any script: <b>乌克兰</b> also finds <b>烏克蘭</b>; a name finds every "
             "spelling (<b>川普</b> also finds <b>特朗普</b>)."),
    "help.syntax": ("所有詞都要符合；<code>\"片語\"</code> 完全符合；<code lang='en'>A OR B</code> 任一；<code>-詞</code> 排除。"
                    "按 <kbd>/</kbd> 跳到搜尋框。",
                    "Every word must match; <code>\"phrase\"</code> matches exactly; <code>A OR B</code> either; "
                    "<code>-word</code> excludes. Press <kbd>/</kbd> to jump to the search box."),
    "suggest.label": ("建議的名字", "Suggested names"),
    "error.404": ("找不到這個頁面或文章。", "No such page or article."),
    "error.500": ("伺服器出了問題，請稍後再試。", "Something went wrong on our side; try again later."),
    "error.503": ("索引還沒有建立：請先執行 searcher build。", "The index has not been built yet: run searcher build."),
    "error.status": ("錯誤 {status}", "Error {status}"),
    "home": ("回到首頁", "Home"),
}

SIMPLIFIED: dict[str, str] = {  # where the converted text is not what the mainland writes
    "help": "输入关键词搜索。简体、繁体都可以：<b>乌克兰</b> 也会找到 <b>烏克蘭</b>；人名的各种译名一起搜索"
            "（<b>川普</b> 也会找到 <b>特朗普</b>）。",
    "placeholder": "人名、地名、关键词",
    "help.syntax": "所有词都要符合；<code>\"短语\"</code> 完全符合；<code lang='en'>A OR B</code> 任一；<code>-词</code> 排除。"
                   "按 <kbd>/</kbd> 跳到搜索框。",
}

# The engine's query errors (English, also used by the API) -> catalog entries.
_ERRORS: list[tuple[re.Pattern, tuple[str, str]]] = [(re.compile(p), m) for p, m in [
    (r"^Missing parameter q", ("請輸入要搜尋的字詞。", "Type something to search for.")),
    (r"^The query is empty", ("搜尋字詞是空的：請輸入一個詞或片語。", "The query is empty: type a word or a phrase.")),
    (r"^The query has (\d+) words; the limit is (\d+)", ("搜尋字詞有 {0} 個詞，上限是 {1} 個。",
                                                         "The query has {0} words; the limit is {1}.")),
    (r"^The query is (\d+) characters long; the limit is (\d+)", ("搜尋字詞有 {0} 個字，上限是 {1} 個。",
                                                                  "The query is {0} characters long; the limit is {1}.")),
    (r"^Nothing to search for: the query has only particles or punctuation \((.*)\)",
     ("沒有可以搜尋的詞：只有虛詞或標點（{0}），或只有排除的詞。",
      "Nothing to search for: the query has only particles or punctuation ({0}), or only excluded words.")),
    (r"^Nothing to search for", ("沒有可以搜尋的詞：至少要有一個不排除的詞。",
                                 "Nothing to search for: a query needs at least one word that is not excluded.")),
    (r"^op must be", ("配對方式只能是「全部詞」(and) 或「任一詞」(or)。", "Match must be all words (and) or any word (or).")),
    (r"^sort must be", ("排序只能是相關度或日期。", "Sort must be relevance or date.")),
    (r"^variants must be", ("譯名設定只能是 on 或 off。", "variants must be on or off.")),
    (r"^undated must be", ("undated 只能是 include 或 only。", "undated must be include or only.")),
    (r"^(from|to) must be a date", ("日期要寫成 YYYY-MM-DD，例如 2025-08-16。",
                                    "Write dates as YYYY-MM-DD, for example 2025-08-16.")),
    (r"^The date range is empty", ("日期範圍是空的：開始日期在結束日期之後。",
                                   "The date range is empty: the start is after the end.")),
    (r"^page must be a whole number from (\d+) to (\d+)", ("頁數要是 {0} 到 {1} 的整數。",
                                                           "The page must be a whole number from {0} to {1}.")),
    (r"^limit must be a whole number from (\d+) to (\d+)", ("每頁篇數要是 {0} 到 {1} 的整數。",
                                                            "The number per page must be from {0} to {1}.")),
    (r"^At most (\d+) values of (\w+)", ("{1} 最多只能有 {0} 個。", "At most {0} values of {1}.")),
]]


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("tw2sp")


@lru_cache(maxsize=4096)
def _simplified(text: str) -> str:
    return _converter().convert(text)


def text(key: str, lang: str) -> str:
    zh, en = CATALOG[key]
    if lang == "en":
        return en
    if lang == "zh-Hans":
        return SIMPLIFIED.get(key) or _simplified(zh)
    return zh


def t(key: str, lang: str, **kw) -> str:
    s = text(key, lang)
    return s.format(**kw) if kw else s


def pick(value: str | None) -> str | None:
    """A language code from a parameter or cookie (zh-Hant, zh-Hans, en, or a loose form)."""
    if not value:
        return None
    v = value.strip().lower().replace("_", "-")
    if v in ("zh-hant", "zh-tw", "zh-hk", "hant", "tc", "zh"):
        return "zh-Hant"
    if v in ("zh-hans", "zh-cn", "hans", "sc"):
        return "zh-Hans"
    if v in ("en", "en-us", "en-gb"):
        return "en"
    return None


MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def format_date(value: str | None, lang: str) -> str:
    """YYYY-MM-DD / YYYY-MM / YYYY as the language writes it; anything else unchanged."""
    if not value:
        return ""
    m = re.match(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$", value)
    if not m:
        if re.fullmatch(r"\d{4}", value):  # a year (the page's histogram over decades)
            return value if lang == "en" else f"{value}年"
        return value
    y, mo, d = int(m.group(1)), int(m.group(2)), m.group(3)
    if lang == "en":
        return f"{int(d)} {MONTHS_EN[mo - 1]} {y}" if d else f"{MONTHS_EN[mo - 1]} {y}"
    return f"{y}年{mo}月{int(d)}日" if d else f"{y}年{mo}月"


def localize_error(message: str, lang: str) -> str:
    """An engine error message in the page's language (unknown ones as they are)."""
    for rx, (zh, en) in _ERRORS:
        m = rx.match(message)
        if m:
            s = en if lang == "en" else (_simplified(zh) if lang == "zh-Hans" else zh)
            return s.format(*m.groups())
    return message


_LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z0-9.'’&\-]*(?:[ \u00a0][A-Za-z0-9][A-Za-z0-9.'’&\-]*)*")


def latin_spans(s: str):
    """(start, end) of each run of Latin words in ``s``."""
    return [m.span() for m in _LATIN_RUN.finditer(s)]


def today() -> _dt.date:
    return _dt.date.today()
