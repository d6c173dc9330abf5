"""The web UI and JSON API (Flask app factory, one blueprint).

Pages speak Traditional Chinese by default, Simplified or English on request
(``hl=zh-Hans|zh-Hant|en``, remembered in a cookie); the API speaks English.

Reads go to the engine's current reader (a snapshot reopened only when the
index changes).  Writes (``POST /api/articles``, ``DELETE /api/articles/<id>``)
are off unless the app has a write token (``WRITE_TOKEN``: ``serve
--write-token`` or ``SEARCHER_WRITE_TOKEN``) and need ``Authorization: Bearer
<token>``; each request is one commit.
"""
from __future__ import annotations

import datetime as _dt
import hmac
import os
import re
from html import escape
from urllib.parse import urlencode

from flask import (Blueprint, Flask, Response, abort, current_app, g, jsonify, render_template, request,
                   url_for)
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from werkzeug.http import HTTP_STATUS_CODES

from . import export as exp
from . import facets as fct
from . import i18n
from . import suggest as sug
from .engine import EngineError, open_engine
from .engine.embedded.accel import OutdatedIndex
from .engine.embedded.layout import WriterBusy
from .highlight import find_spans, render
from .ingest import IngestReport, article_from_json
from .names import variants_json
from .query import QueryError
from .search import SearchParams, article, count_articles, patterns_for, search, spelling_key
from .web_json import OrjsonProvider

bp = Blueprint("search", __name__)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = (("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
                    ("Referrer-Policy", "same-origin"))  # on every response
LANG_COOKIE = "hl"
# Search parameters an article link carries: it highlights what was searched, and its
# "back to results" link returns to the same results.
CARRIED = ("q", "op", "variants", "exclude", "discovered", "from", "to", "source", "undated", "sort", "limit",
           "page")
MAX_WRITE_BYTES = 32 * 1024 * 1024
WRITE_WAIT = 30.0  # seconds a write waits for another writer before answering 503


def create_app(test_config=None) -> Flask:
    app = Flask(__name__, template_folder=os.path.join(ROOT, "templates"),
                static_folder=os.path.join(ROOT, "static"), static_url_path="/static")
    app.config.from_mapping(INDEX_DIR=os.path.join(os.getcwd(), "index"), JSON_AS_ASCII=False,
                            WRITE_TOKEN=os.environ.get("SEARCHER_WRITE_TOKEN") or None,
                            MAX_CONTENT_LENGTH=MAX_WRITE_BYTES)
    if test_config:
        app.config.from_mapping(test_config)
    app.json = OrjsonProvider(app)
    app.extensions["searcher.engine"] = app.config.get("ENGINE_OBJECT") or open_engine(
        app.config["INDEX_DIR"], **(app.config.get("ENGINE_OPTIONS") or {}))
    app.register_blueprint(bp)
    app.wsgi_app = DirectSearch(app, app.wsgi_app)
    env = app.jinja_env
    env.globals.update(title_of=_title_of, url_here=url_here, article_url=article_url, _=_t, lang_url=lang_url,
                       LANG_NAMES=i18n.LANG_NAMES, LANGS=i18n.LANGS)
    env.filters.update(fdate=lambda v: i18n.format_date(v, lang()), en=mark_latin, en_html=mark_latin_html)
    app.context_processor(lambda: {"lang": lang()})

    @app.before_request
    def choose_language():
        g.lang = i18n.pick(request.args.get("hl")) or i18n.pick(request.cookies.get(LANG_COOKIE)) or i18n.DEFAULT

    @app.after_request
    def headers(resp):
        for name, value in SECURITY_HEADERS:
            resp.headers.setdefault(name, value)
        chosen = i18n.pick(request.args.get("hl"))
        if chosen and not request.path.startswith("/api/"):
            resp.set_cookie(LANG_COOKIE, chosen, max_age=365 * 86400, samesite="Lax")
        if resp.mimetype == "text/html":
            resp.headers.setdefault("Content-Language", lang())
        return resp

    def error_page(status, key, message=None):
        if request.path.startswith("/api/") or request.path == "/openapi.json":
            return jsonify(error=message or {404: "not found", 500: "internal error"}.get(status, key)), status
        return render_template("error.html", status=status, message=_t(key)), status

    app.register_error_handler(404, lambda e: error_page(404, "error.404"))
    app.register_error_handler(500, lambda e: error_page(500, "error.500"))
    app.register_error_handler(503, lambda e: error_page(503, "error.503", getattr(e, "description", None)))
    # An engine that cannot answer (a cluster unreachable) is a 503 with the reason, input it
    # refuses a 400: never a 500.
    app.register_error_handler(EngineError, lambda e: error_page(e.status, "error.503", str(e)))
    app.register_error_handler(413, lambda e: (jsonify(
        error=f"the request is larger than {MAX_WRITE_BYTES // (1024 * 1024)} MB"), 413))
    return app


def lang() -> str:
    return g.get("lang") or i18n.DEFAULT


def _t(key: str, **kw) -> str:
    return i18n.t(key, lang(), **kw)


def mark_latin(value) -> Markup:
    """Plain text, escaped, with its runs of Latin words marked ``lang="en"`` (on a Chinese page)."""
    s = "" if value is None else str(value)
    if lang() == "en":
        return Markup(escape(s, quote=False))
    out, i = [], 0
    for a, b in i18n.latin_spans(s):
        out.append(escape(s[i:a], quote=False))
        out.append('<span lang="en">' + escape(s[a:b], quote=False) + "</span>")
        i = b
    out.append(escape(s[i:], quote=False))
    return Markup("".join(out))


_TAG_OR_ENTITY = re.compile(r"(<[^>]*>|&#?\w+;)")


def mark_latin_html(html) -> Markup:
    """Passage HTML (escaped text and <mark> tags) with Latin runs marked ``lang="en"``."""
    if lang() == "en":
        return Markup(html)
    parts = _TAG_OR_ENTITY.split(str(html))
    out = []
    for k, part in enumerate(parts):
        if k % 2:  # a tag or an entity, as it is
            out.append(part)
            continue
        i = 0
        for a, b in i18n.latin_spans(part):
            out.append(part[i:a] + '<span lang="en">' + part[a:b] + "</span>")
            i = b
        out.append(part[i:])
    return Markup("".join(out))


def url_here(endpoint: str = "search.home", **changes) -> str:
    """This request's URL parameters with ``changes`` (None removes one, a list repeats it);
    ``page`` goes back to 1 unless given."""
    args = MultiDict(request.args)
    args.pop("page", None)
    args.pop("hl", None)
    for k, v in changes.items():
        args.pop(k, None)
        if v is None or v == []:
            continue
        for x in (v if isinstance(v, (list, tuple)) else [v]):
            args.add(k, str(x))
    qs = urlencode(list(args.items(multi=True)))
    return url_for(endpoint) + ("?" + qs if qs else "")


def lang_url(code: str) -> str:
    """This page in another language."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "hl"] + [("hl", code)]
    return request.path + "?" + urlencode(args)


def article_url(article_id: str, n: int | None = None) -> str:
    """The article page, carrying the search (q, op, variants, exclude), at paragraph ``n``."""
    args = [(k, v) for k in CARRIED for v in request.args.getlist(k) if v]
    url = url_for("search.article_page", article_id=article_id)
    if args:
        url += "?" + urlencode(args)
    return url + (f"#p{n}" if n else "")


def engine():
    return current_app.extensions["searcher.engine"]


def get_reader():
    """The reader this request uses (one per request, even across a commit)."""
    if "reader" not in g:
        try:
            g.reader = engine().reader()
        except OutdatedIndex as e:
            abort(503, description=str(e))
        except FileNotFoundError:
            abort(503, description="The index has not been built yet: run `searcher build`.")
    return g.reader


def _params():
    return SearchParams.from_args(request.args)


# ------------------------------------------------------------------ the page

@bp.route("/")
def home():
    q = request.args.get("q", "")
    ctx = {"q": q, "args": request.args, "result": None, "error": None}
    if not q.strip():
        return render_template("search.html", **ctx)
    try:
        params = _params()
        ctx["params"] = params
        result = ctx["result"] = run_search(params)
    except QueryError as e:
        ctx["error"] = i18n.localize_error(str(e), lang())
        return render_template("search.html", **ctx), 400
    ctx["histogram"] = histogram(result.facets, params)
    ctx["ranges"] = quick_ranges(params)
    ctx["spellings"] = spelling_view(result, params)
    ctx["outlets"] = outlet_view(result.facets.get("source") or [], params)
    ctx["tries"] = alternatives(params, result) if result.total == 0 else []
    ctx["export_cap"] = exp.MAX_ROWS
    return render_template("search.html", **ctx)


def run_search(params):
    return search(get_reader(), params)


def _month_end(y: int, m: int) -> str:
    nxt = _dt.date(y + (m == 12), m % 12 + 1, 1)
    return (nxt - _dt.timedelta(days=1)).isoformat()


HISTOGRAM_MONTHS = 120  # above ten years of months the page draws a bar a year (the API keeps months)


def histogram(facets: dict, params) -> dict | None:
    """Bars of the date facet for the SVG: height, link (that bucket's date range), label."""
    unit = facets.get("date_unit", "month")
    buckets = fct.with_gaps(facets.get("date") or [], unit)
    if not buckets:
        return None
    if unit == "month" and len(buckets) > HISTOGRAM_MONTHS:  # decades: a bar a year
        years: dict[str, int] = {}
        for b in buckets:
            years[b["key"][:4]] = years.get(b["key"][:4], 0) + b["count"]
        buckets, unit = [{"key": k, "count": c} for k, c in years.items()], "year"
    top = max(b["count"] for b in buckets) or 1
    bars = []
    for i, b in enumerate(buckets):
        k = b["key"]
        if unit == "day":
            lo = hi = k
        elif unit == "year":
            lo, hi = k + "-01-01", k + "-12-31"
        else:
            y, m = int(k[:4]), int(k[5:7])
            lo, hi = k + "-01", _month_end(y, m)
        bars.append({"i": i, "key": k, "count": b["count"], "h": round(100 * b["count"] / top, 1),
                     "href": url_here(**{"from": lo, "to": hi, "undated": None}) if b["count"] else None,
                     "label": i18n.format_date(k, lang())})
    return {"bars": bars, "unit": unit, "n": len(bars), "first": bars[0]["label"], "last": bars[-1]["label"],
            "top": top, "undated": facets.get("undated", 0)}


def quick_ranges(params) -> list[dict]:
    today = i18n.today()
    out = []
    for key, days in (("range.week", 7), ("range.month", 30), ("range.year", 365)):
        lo = (today - _dt.timedelta(days=days)).isoformat()
        out.append({"label": _t(key), "href": url_here(**{"from": lo, "to": None, "undated": None}),
                    "on": params.date_from == lo and not params.date_to})
    out.append({"label": _t("range.all"), "href": url_here(**{"from": None, "to": None, "undated": None}),
                "on": not params.date_from and not params.date_to and not params.undated})
    return out


def outlet_view(counts: list[dict], params) -> list[dict]:
    chosen = set(params.sources)
    out = []
    for c in counts:
        on = c["key"] in chosen
        rest = [s for s in params.sources if s != c["key"]] if on else params.sources + [c["key"]]
        out.append({"key": c["key"], "count": c["count"], "on": on, "href": url_here(source=rest)})
    for s in params.sources:  # a chosen outlet without matches stays visible, to remove it
        if s not in {c["key"] for c in counts}:
            out.append({"key": s, "count": 0, "on": True,
                        "href": url_here(source=[x for x in params.sources if x != s])})
    return out


def spelling_view(result, params) -> list[dict]:
    """Per name searched: its spellings (count, on/off link) and the outlet table."""
    entries = result.facets.get("spelling") or []
    out = []
    for term in dict.fromkeys(e["term"] for e in entries):
        rows = [e for e in entries if e["term"] == term]
        outlets: dict[str, int] = {}
        for e in rows:
            for s, c in e["by_source"].items():
                outlets[s] = outlets.get(s, 0) + c
        cols = sorted(outlets, key=lambda s: (-outlets[s], s))[:6]
        chips = []
        for e in rows:
            if e["typed"]:
                href = None
            elif e["excluded"]:
                href = url_here(exclude=[x for x in params.exclude if spelling_key(x) != spelling_key(e["key"])])
            else:
                href = url_here(exclude=params.exclude + [e["key"]])
            periods = [d for span in e.get("span_by_source", {}).values() for d in span]
            chips.append({**e, "href": href, "first": min(periods) if periods else None,
                          "last": max(periods) if periods else None,
                          "others": e["count"] and sum(c for s, c in e["by_source"].items() if s not in cols)})
        chips.sort(key=lambda c: (not c["typed"], c["count"] == 0 and not c["excluded"], -c["count"]))
        out.append({"term": term, "chips": chips, "cols": cols,
                    "has_others": len(outlets) > len(cols)})
    return out


def alternatives(params, result) -> list[dict]:
    """What else could be tried when nothing matched, with how many articles each finds."""
    reader = get_reader()
    tries = []

    def add(label, **changes):
        args = params_dict(params)
        args.update(changes)
        try:
            p = SearchParams.from_args(MultiDict([(k, v) for k, vs in args.items() if vs is not None
                                                  for v in (vs if isinstance(vs, list) else [vs])]))
            n = count_articles(reader, p)
        except QueryError:
            return
        if n:
            tries.append({"label": label, "n": n, "href": url_here(**changes)})

    if not params.variants:
        add(_t("try.variants_on"), variants=None)
    if params.exclude:
        add(_t("try.exclude_off"), exclude=None)
    table = reader.names
    if table is not None:
        for word in params.q.split()[:3]:
            word = word.strip('"「」')
            group = table.lookup(word) if word else None
            others = [m for m in (group.members if group is not None else []) if spelling_key(m) != spelling_key(word)]
            for other in others[:4]:
                add(_t("try.spelling", q=other), q=params.q.replace(word, other))
    if params.op == "and" and len(params.q.split()) > 1:
        add(_t("try.or"), op="or")
    if params.date_from or params.date_to or params.undated:
        add(_t("try.dates"), **{"from": None, "to": None, "undated": None})
    if params.sources:
        add(_t("try.sources"), source=None)
    return tries


def params_dict(params) -> dict:
    return {"q": params.q, "op": params.op, "from": params.date_from, "to": params.date_to,
            "sort": params.sort, "variants": None if params.variants else "off", "source": list(params.sources),
            "exclude": list(params.exclude), "undated": params.undated or None, "limit": str(params.limit)}


@bp.route("/article/<path:article_id>")
def article_page(article_id):
    reader = get_reader()
    found = article(reader, article_id)
    if found is None:
        abort(404)
    meta, paragraphs = found
    q = request.args.get("q", "")
    expand = request.args.get("variants", "on") not in ("off", "0", "false", "no")
    discovered = request.args.get("discovered", "on") not in ("off", "0", "false", "no")
    exclude = request.args.getlist("exclude")
    patterns = patterns_for(q, request.args.get("op", "and"), reader if expand else None, exclude,
                            discovered) if q else []
    repeats = reader.repeats
    shown = []
    for n, text, ref in paragraphs:
        spans = find_spans(text, patterns)
        shown.append({"n": n, "html": Markup(render(text, spans)), "flag": repeats.flag(ref),
                      "hit": bool(spans), "text": text})
    derived = _derived_title(meta["title"], paragraphs)
    hits = [p["n"] for p in shown if p["hit"]]
    return render_template("article.html", meta=meta, blocks=fold_repeats(shown, article_id), q=q, hits=hits,
                           derived=derived, count=len(paragraphs),
                           back=url_here(**{"hl": None}) if q else None)


def _derived_title(title: str, paragraphs) -> bool:
    """True when the title is the first paragraph's first sentence (no title of its own)."""
    if not paragraphs or not title:
        return False
    stem = title.rstrip("…").strip()
    return bool(stem) and paragraphs[0][1].lstrip("•·・-–—*#>　 ").startswith(stem)


def fold_repeats(shown: list[dict], article_id: str) -> list[dict]:
    """Paragraphs in order, with each run of later copies of paragraphs earlier in this
    article folded into one block ("¶21–37 repeat ¶3–19")."""
    blocks, run = [], []

    def close():
        if run:
            blocks.append({"fold": True, "paras": list(run), "a": _span(run), "b": _span(run, first=True),
                           "hit": any(p["hit"] for p in run)})
            run.clear()

    for p in shown:
        f = p["flag"]
        later = (f and f["kind"] in ("exact", "near") and not f["is_first"] and f["first"]["id"] == article_id
                 and f["first"]["n"] < p["n"])
        if later and run and f["first"]["n"] == run[-1]["flag"]["first"]["n"] + 1 and p["n"] == run[-1]["n"] + 1:
            run.append(p)
            continue
        close()
        if later:
            run.append(p)
        else:
            blocks.append({"fold": False, "paras": [p]})
    close()
    return blocks


def _span(run, first=False) -> str:
    ns = [p["flag"]["first"]["n"] if first else p["n"] for p in run]
    return f"{ns[0]}–{ns[-1]}" if len(ns) > 1 else str(ns[0])


def _title_of(article_id: str) -> str:
    """Title of another article (for "also in ..." flags); the id if it is unknown."""
    cache = g.setdefault("titles", {})
    if article_id not in cache:
        found = get_reader().article(article_id)
        cache[article_id] = (found[0][1].title if found else "") or article_id
    return cache[article_id]


# ------------------------------------------------------------------ the API

@bp.route("/api/search")
def api_search():
    status, body = search_json(current_app, request.args, get_reader)
    return current_app.response_class(body, status=status, mimetype="application/json")


def search_json(app, args, reader) -> tuple[int, bytes]:
    """(status, JSON body) of an API search: 200 with the results, 400 with the reason.
    ``reader``: a function giving the engine reader (called once the parameters are valid)."""
    try:
        params = SearchParams.from_args(args)
        result = search(reader(), params)
    except QueryError as e:
        return 400, app.json.body({"error": str(e)})
    return 200, app.json.body(result.to_json())


class DirectSearch:
    """WSGI middleware: ``GET /api/search``, the API's busiest request, answered without
    Flask's per-request machinery (contexts, hooks, response objects: about 0.4 ms of a
    served request on this machine's VMs, a tenth of it), with the same status, body and
    headers as the view (tested).  Anything else, and any request the view answers with an
    error page (an index not built yet: 503), goes to Flask."""

    PATH = "/api/search"

    def __init__(self, app: Flask, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self.engine = app.extensions["searcher.engine"]

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != self.PATH or environ.get("REQUEST_METHOD") != "GET":
            return self.wsgi_app(environ, start_response)
        try:
            status, body = search_json(self.app, self.app.request_class(environ).args, self.engine.reader)
        except Exception:  # noqa: BLE001 - the view answers it (a 503 with the reason, ...)
            return self.wsgi_app(environ, start_response)
        start_response(f"{status} {HTTP_STATUS_CODES[status].upper()}",
                       [("Content-Type", "application/json"), ("Content-Length", str(len(body))), *SECURITY_HEADERS])
        return [body]


@bp.route("/api/articles/<path:article_id>")
def api_article(article_id):
    reader = get_reader()
    found = article(reader, article_id)
    if found is None:
        return jsonify(error="not found"), 404
    meta, paragraphs = found
    repeats = reader.repeats
    return jsonify({**{k: meta.get(k) for k in ("id", "title", "date", "source", "url", "author")},
                    "paragraphs": [{"n": n, "text": text, "repeat": repeats.flag(ref)}
                                   for n, text, ref in paragraphs]})


@bp.route("/api/export")
def api_export():
    fmt = (request.args.get("format") or "csv").lower()
    if fmt not in exp.FORMATS:
        return jsonify(error="format must be csv or jsonl"), 400
    try:
        params = _params()
        rows, total = exp.rows(get_reader(), params)
    except QueryError as e:
        return jsonify(error=str(e)), 400
    body, mimetype = exp.encode(rows, fmt)
    name = "search-" + re.sub(r"[^\w.-]+", "_", params.q, flags=re.UNICODE)[:40].strip("_")
    resp = Response(body, mimetype=mimetype)
    from urllib.parse import quote

    resp.headers["Content-Disposition"] = (f"attachment; filename=\"export.{exp.EXTENSIONS[fmt]}\"; "
                                           f"filename*=UTF-8''{quote(name)}.{exp.EXTENSIONS[fmt]}")
    resp.headers["X-Export-Rows"] = str(len(rows))
    resp.headers["X-Export-Total"] = str(total)
    resp.headers["X-Export-Cap"] = str(exp.MAX_ROWS)
    return resp


@bp.route("/api/suggest")
def api_suggest():
    typed = (request.args.get("q") or "").strip()
    if len(typed) > 100:
        return jsonify(error="q is too long (limit 100 characters)."), 400
    if not typed:
        return jsonify(suggestions=[])
    return jsonify(suggestions=sug.for_reader(get_reader()).suggest(typed))


@bp.route("/api/variants")
def api_variants():
    term = (request.args.get("q") or "").strip()
    if not term:
        return jsonify(error="Missing parameter q (the name to look up)."), 400
    if len(term) > 200:
        return jsonify(error="q is too long (limit 200 characters)."), 400
    discovered = (request.args.get("discovered") or "0").strip().lower() in ("1", "on", "true", "yes")
    reader = get_reader()
    return jsonify(variants_json(reader.names, term, reader.corpus, discovered))


@bp.route("/api/repeats")
def api_repeats():
    kind = request.args.get("kind") or None
    if kind not in (None, "exact", "near", "partial", "boilerplate"):
        return jsonify(error="kind must be one of exact, near, partial, boilerplate."), 400
    limit = request.args.get("limit")
    try:
        limit = int(limit) if limit not in (None, "") else None
        if limit is not None and limit < 1:
            raise ValueError
    except ValueError:
        return jsonify(error="limit must be a whole number, 1 or more."), 400
    groups = [gr for gr in get_reader().repeats.all_groups() if kind is None or gr.kind == kind]
    return jsonify({"total": len(groups), "groups": [gr.to_json() for gr in (groups[:limit] if limit else groups)]})


@bp.route("/openapi.json")
def openapi():
    from .openapi import document

    return jsonify(document())


__all__ = ["create_app"]


# ------------------------------------------------------------------ writes


def _authorise():
    """None when the request may write; else the (response, status) refusing it."""
    token = current_app.config.get("WRITE_TOKEN")
    if not token:
        return jsonify(error="writes are off on this server (start it with --write-token or "
                             "SEARCHER_WRITE_TOKEN)"), 403
    given = request.headers.get("Authorization", "")
    if not given.startswith("Bearer ") or not hmac.compare_digest(given[7:].strip().encode(), token.encode()):
        return jsonify(error="a write needs the header 'Authorization: Bearer <write token>'"), 401
    return None


@bp.route("/api/articles", methods=["POST"])
def api_add_articles():
    refused = _authorise()
    if refused:
        return refused
    data = request.get_json(silent=True)
    if data is None:
        return jsonify(error="the body must be JSON: an article object or a list of them "
                             "(fields id, title, date, text or paragraphs)"), 400
    items = data if isinstance(data, list) else [data]
    if not items:
        return jsonify(error="the list of articles is empty"), 400
    report, articles, ids = IngestReport(), [], set()
    for k, obj in enumerate(items):
        art = article_from_json(obj, f"article {k}", report)
        if art is None:
            break
        if art.id in ids:
            report.skip(f"article {k}", f"article {art.id}: the same id twice in one request")
            break
        ids.add(art.id)
        articles.append(art)
    if report.skipped:
        return jsonify(error=str(report.skipped[0]), problems=[str(s) for s in report.skipped]), 400
    try:
        result = engine().add(articles, wait=WRITE_WAIT, procs=1)
    except WriterBusy as e:
        return jsonify(error=str(e)), 503
    body = {"added": result.added, "replaced": result.replaced, "paragraphs": result.paragraphs,
            "generation": result.generation, "warnings": [str(w) for w in report.warnings]}
    return jsonify(body), 201 if result.added else 200


@bp.route("/api/articles/<path:article_id>", methods=["DELETE"])
def api_delete_article(article_id):
    refused = _authorise()
    if refused:
        return refused
    try:
        result = engine().delete([article_id], wait=WRITE_WAIT)
    except WriterBusy as e:
        return jsonify(error=str(e)), 503
    if result.unknown:
        return jsonify(error=f"no article {article_id!r} in the index"), 404
    return jsonify({"deleted": result.deleted, "generation": result.generation})
