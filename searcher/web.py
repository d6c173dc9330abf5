"""The web UI and JSON API (Flask app factory, one blueprint)."""
from __future__ import annotations

import os

from flask import Blueprint, Flask, abort, current_app, g, jsonify, render_template, request, url_for
from markupsafe import Markup

from . import index as idx
from .names import variants_json
from .highlight import find_spans, render
from .query import QueryError
from .search import SearchParams, article, patterns_for, search

bp = Blueprint("search", __name__)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def create_app(test_config=None) -> Flask:
    app = Flask(__name__, template_folder=os.path.join(ROOT, "templates"), static_folder=None)
    app.config.from_mapping(INDEX_DIR=os.path.join(os.getcwd(), "index"), JSON_AS_ASCII=False)
    if test_config:
        app.config.from_mapping(test_config)
    app.json.ensure_ascii = False
    app.extensions["searcher.index"] = idx.IndexHandle(app.config["INDEX_DIR"])
    app.register_blueprint(bp)
    app.jinja_env.globals["title_of"] = _title_of
    app.teardown_appcontext(close_searcher)

    @app.after_request
    def headers(resp):
        resp.headers.setdefault("Content-Security-Policy", CSP)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        return resp

    @app.errorhandler(404)
    def not_found(e):
        if request.path.startswith("/api/"):
            return jsonify(error="not found"), 404
        return render_template("error.html", status=404, message="No such page or article."), 404

    @app.errorhandler(500)
    def server_error(e):
        if request.path.startswith("/api/"):
            return jsonify(error="internal error"), 500
        return render_template("error.html", status=500, message="Something went wrong on our side."), 500

    return app


def get_generation():
    """The index generation this request uses (one per request, even across a rebuild)."""
    if "generation" not in g:
        try:
            g.generation = current_app.extensions["searcher.index"].current()
        except FileNotFoundError:
            abort(503, description="The index has not been built yet: run `searcher build`.")
    return g.generation


def get_searcher():
    """The request's ``Searcher`` on the request's generation (closed at teardown)."""
    if "searcher" not in g:
        try:
            g.searcher = get_generation().searcher()
        except FileNotFoundError as e:  # a generation built by an older version
            abort(503, description=str(e))
    return g.searcher


def close_searcher(exc=None):
    s = g.pop("searcher", None)
    if s is not None:
        s.close()


def _params():
    args = request.args
    return SearchParams.from_args(args)


@bp.route("/")
def home():
    q = request.args.get("q", "")
    ctx = {"q": q, "args": request.args, "result": None, "error": None}
    if not q.strip():
        return render_template("search.html", **ctx)
    try:
        params = _params()
        ctx["params"] = params
        ctx["result"] = run_search(params)
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
        params = _params()
        result = run_search(params)
    except QueryError as e:
        return jsonify(error=str(e)), 400
    return jsonify(result.to_json())


def run_search(params):
    gen = get_generation()
    return search(get_searcher(), params, variants=gen.variants, repeats=gen.repeats, corpus=gen.corpus)


@bp.route("/api/variants")
def api_variants():
    term = (request.args.get("q") or "").strip()
    if not term:
        return jsonify(error="Missing parameter q (the name to look up)."), 400
    if len(term) > 200:
        return jsonify(error="q is too long (limit 200 characters)."), 400
    gen = get_generation()
    discovered = request.args.get("discovered", "0") in ("1", "on", "true", "yes")
    return jsonify(variants_json(gen.variants, term, gen.corpus, discovered))


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
    return jsonify(get_generation().repeats.to_json(kind, limit))


@bp.route("/article/<path:article_id>")
def article_page(article_id):
    found = article(get_searcher(), article_id)
    if found is None:
        abort(404)
    meta, paragraphs = found
    q = request.args.get("q", "")
    gen = get_generation()
    expand = request.args.get("variants", "on") not in ("off", "0", "false", "no")
    patterns = patterns_for(q, request.args.get("op", "and"), gen.variants if expand else None,
                            gen.corpus if expand else None) if q else []
    repeats = gen.repeats
    shown = [(n, Markup(render(text, find_spans(text, patterns))), repeats.flag(article_id, n))
             for n, text in paragraphs]
    return render_template("article.html", meta=meta, paragraphs=shown, q=q)


def _title_of(article_id: str) -> str:
    """Title of another article (for "also in ..." flags); the id if it is unknown."""
    cache = g.setdefault("titles", {})
    if article_id not in cache:
        found = get_searcher().document(article=article_id)
        cache[article_id] = (found or {}).get("title") or article_id
    return cache[article_id]
