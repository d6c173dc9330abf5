"""The web UI and JSON API (Flask app factory, one blueprint).

Reads go to the engine's current reader (a snapshot reopened only when the
index changes).  Writes (``POST /api/articles``, ``DELETE /api/articles/<id>``)
are off unless the app has a write token (``WRITE_TOKEN``: ``serve
--write-token`` or ``SEARCHER_WRITE_TOKEN``) and need ``Authorization: Bearer
<token>``; each request is one commit.
"""
from __future__ import annotations

import hmac
import os

from flask import Blueprint, Flask, abort, current_app, g, jsonify, render_template, request, url_for
from markupsafe import Markup

from .engine import open_engine
from .engine.embedded.layout import WriterBusy
from .highlight import find_spans, render
from .ingest import IngestReport, article_from_json
from .names import variants_json
from .query import QueryError
from .search import SearchParams, article, patterns_for, search

bp = Blueprint("search", __name__)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
MAX_WRITE_BYTES = 32 * 1024 * 1024
WRITE_WAIT = 30.0  # seconds a write waits for another writer before answering 503


def create_app(test_config=None) -> Flask:
    app = Flask(__name__, template_folder=os.path.join(ROOT, "templates"), static_folder=None)
    app.config.from_mapping(INDEX_DIR=os.path.join(os.getcwd(), "index"), JSON_AS_ASCII=False,
                            WRITE_TOKEN=os.environ.get("SEARCHER_WRITE_TOKEN") or None, ENGINE="embedded",
                            MAX_CONTENT_LENGTH=MAX_WRITE_BYTES)
    if test_config:
        app.config.from_mapping(test_config)
    app.json.ensure_ascii = False
    app.extensions["searcher.engine"] = app.config.get("ENGINE_OBJECT") or open_engine(app.config["INDEX_DIR"])
    app.register_blueprint(bp)
    app.jinja_env.globals["title_of"] = _title_of

    @app.after_request
    def headers(resp):
        resp.headers.setdefault("Content-Security-Policy", CSP)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        return resp

    @app.errorhandler(404)
    def not_found(e):
        if request.path.startswith("/api/"):
            return jsonify(error=getattr(e, "description", None) or "not found"), 404
        return render_template("error.html", status=404, message="No such page or article."), 404

    @app.errorhandler(413)
    def too_large(e):
        return jsonify(error=f"the request is larger than {MAX_WRITE_BYTES // (1024 * 1024)} MB"), 413

    @app.errorhandler(503)
    def unavailable(e):
        if request.path.startswith("/api/"):
            return jsonify(error=e.description), 503
        return render_template("error.html", status=503, message=e.description), 503

    @app.errorhandler(500)
    def server_error(e):
        if request.path.startswith("/api/"):
            return jsonify(error="internal error"), 500
        return render_template("error.html", status=500, message="Something went wrong on our side."), 500

    return app


def engine():
    return current_app.extensions["searcher.engine"]


def get_reader():
    """The reader this request uses (one per request, even across a commit)."""
    if "reader" not in g:
        try:
            g.reader = engine().reader()
        except FileNotFoundError as e:
            abort(503, description=f"The index has not been built yet: run `searcher build`. ({e})")
    return g.reader


def _params():
    return SearchParams.from_args(request.args)


@bp.route("/")
def home():
    q = request.args.get("q", "")
    ctx = {"q": q, "args": request.args, "result": None, "error": None}
    if not q.strip():
        return render_template("search.html", **ctx)
    try:
        params = _params()
        ctx["params"] = params
        ctx["result"] = search(get_reader(), params)
    except QueryError as e:
        ctx["error"] = str(e)
        return render_template("search.html", **ctx), 400
    return render_template("search.html", **ctx, page_url=_page_url)


def _page_url(page: int | None = None, **changes) -> str:
    args = request.args.to_dict()
    if page is not None:
        args["page"] = str(page)
    args.update(changes)
    return url_for("search.home", **args)


@bp.route("/api/search")
def api_search():
    try:
        result = search(get_reader(), _params())
    except QueryError as e:
        return jsonify(error=str(e)), 400
    return jsonify(result.to_json())


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
        return jsonify(error="kind must be one of exact, near, partial, boilerplate"), 400
    limit = request.args.get("limit")
    try:
        limit = int(limit) if limit not in (None, "") else None
        if limit is not None and limit < 1:
            raise ValueError
    except ValueError:
        return jsonify(error="limit must be a whole number from 1"), 400
    groups = [gr for gr in get_reader().repeats.all_groups() if kind is None or gr.kind == kind]
    total = len(groups)
    return jsonify({"total": total, "groups": [gr.to_json() for gr in groups[:limit]]})


@bp.route("/article/<path:article_id>")
def article_page(article_id):
    reader = get_reader()
    found = article(reader, article_id)
    if found is None:
        abort(404)
    meta, paragraphs = found
    q = request.args.get("q", "")
    expand = request.args.get("variants", "on") not in ("off", "0", "false", "no")
    patterns = patterns_for(q, request.args.get("op", "and"), reader.names if expand else None,
                            reader.dictionary, reader.corpus) if q else []
    repeats = reader.repeats
    shown = [(n, Markup(render(text, find_spans(text, patterns))), repeats.flag(ref)) for n, text, ref in paragraphs]
    return render_template("article.html", meta=meta, paragraphs=shown, q=q)


def _title_of(article_id: str) -> str:
    """Title of another article (for "also in ..." flags); the id if it is unknown."""
    cache = g.setdefault("titles", {})
    if article_id not in cache:
        found = get_reader().article(article_id)
        cache[article_id] = (found[0][1].title if found else "") or article_id
    return cache[article_id]


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
