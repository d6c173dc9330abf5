"""The ``searcher`` command: a thin click layer over the library."""
from __future__ import annotations

import json
import os
import sys

import click

from . import index as idx
from .expansion import variants_json
from .query import QueryError
from .search import SearchParams, search

DEFAULT_SOURCE = "seeds"
DEFAULT_INDEX = "index"


def _echo_json(obj) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=1))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="searcher")
def main():
    """Search Chinese news text: build an index, search it, serve the web UI.

    \b
    Example:
        searcher build && searcher search 阿拉斯加 && searcher serve
    """


def run_build(sources, index_dir, progress=True):
    try:
        summary = idx.build(list(sources), index_dir, progress=progress)
    except idx.BuildError as e:
        raise click.ClickException(str(e)) from None
    return summary


@main.command()
@click.option("--source", "sources", multiple=True, type=click.Path(),
              help="A folder of .txt articles or a .jsonl / .jsonl.gz file (repeatable). Default: seeds/")
@click.option("--index", "index_dir", default=DEFAULT_INDEX, show_default=True, help="Index folder to write.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def build(sources, index_dir, as_json, quiet):
    """Build (or rebuild) the index from articles.

    Bad files are reported by name and skipped; the build fails only when
    nothing could be indexed.  Readers keep the old index until the new one is
    complete.

    \b
    Example:
        searcher build --source seeds --source ../shared/eval/drcd/corpus.jsonl --index /tmp/ix
    """
    summary = run_build(sources or (DEFAULT_SOURCE,), index_dir, progress=not quiet)
    if as_json:
        _echo_json(summary.to_json())
    else:
        click.echo(summary.text())


@main.command("search")
@click.argument("query")
@click.option("--index", "index_dir", default=DEFAULT_INDEX, show_default=True, help="Index folder.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (the API's shape).")
@click.option("--limit", default=10, show_default=True, help="Articles per page (1-100).")
@click.option("--page", default=1, show_default=True, help="Page number, from 1.")
@click.option("--op", type=click.Choice(["and", "or"]), default="and", show_default=True,
              help="'or' matches any word (for question-style queries).")
@click.option("--from", "date_from", help="Only articles dated on or after YYYY-MM-DD.")
@click.option("--to", "date_to", help="Only articles dated on or before YYYY-MM-DD.")
@click.option("--sort", type=click.Choice(["relevance", "date", "-date"]), default="relevance",
              show_default=True, help="'date' is newest first, '-date' oldest first.")
@click.option("--no-variants", is_flag=True, help="Search only the spelling typed (no 川普 for 特朗普).")
def search_cmd(query, index_dir, as_json, limit, page, op, date_from, date_to, sort, no_variants):
    """Search the index.  Words are ANDed; "quoted phrases", OR, -word / NOT word.

    \b
    Example:
        searcher search '"烏克蘭總統" -普京' --limit 5
        searcher search 川普 --json
    """
    _need_index(index_dir)
    args = {"q": query, "limit": str(limit), "page": str(page), "op": op, "from": date_from,
            "to": date_to, "sort": sort, "variants": "off" if no_variants else "on"}
    try:
        params = SearchParams.from_args(args)
        gen = idx.IndexHandle(index_dir).current()
        with gen.searcher() as s:
            result = search(s, params, variants=gen.variants, repeats=gen.repeats)
    except QueryError as e:
        raise click.UsageError(str(e)) from None
    except FileNotFoundError as e:
        raise click.ClickException(str(e)) from None
    if as_json:
        _echo_json(result.to_json())
        return
    click.echo(f"{result.total} articles match {query!r} (page {result.page} of {result.pages})")
    for v in result.variants:
        click.echo(f"also searched for {v.term}: " + " · ".join(m for m in v.group if m != v.term))
    for r in result.results:
        click.echo("")
        click.secho(f"{r.title}  [{r.id}]  {r.date or ''}  score {r.score:.2f}", bold=True)
        for p in r.passages:
            note = ""
            if p.duplicate_of:
                note = f"  (same passage as {p.duplicate_of['id']} ¶{p.duplicate_of['n']} above)"
            elif p.repeat:
                note = f"  ({p.repeat['kind']} repeat, {p.repeat['count']} copies)"
            click.echo(f"  ¶{p.n}  " + _terminal(p.html) + note)


def _terminal(html: str) -> str:
    """Passage HTML for a terminal: marks in bold, entities decoded."""
    from html import unescape

    on, off = ("\x1b[1;31m", "\x1b[0m") if sys.stdout.isatty() else ("[", "]")
    return unescape(html.replace("<mark>", on).replace("</mark>", off))


@main.command()
@click.option("--index", "index_dir", default=DEFAULT_INDEX, show_default=True, help="Index folder.")
@click.option("--json", "as_json", is_flag=True, help="Print {\"groups\": [...]} as JSON.")
@click.option("--kind", type=click.Choice(["exact", "near", "partial", "boilerplate"]), help="Only this kind.")
@click.option("--limit", type=click.IntRange(1), help="At most this many groups.")
def repeats(index_dir, as_json, kind, limit):
    """List repeated paragraphs found at build time, largest group first.

    Kinds: exact (same text after normalising script, width, spaces and
    punctuation), near (small edits), partial (most sentences appear in another
    paragraph), boilerplate (short lines repeated across many articles).

    \b
    Example:
        searcher repeats --kind exact --limit 5
        searcher repeats --json > repeats.json
    """
    _need_index(index_dir)
    store = idx.IndexHandle(index_dir).current().repeats
    data = store.to_json(kind, limit)
    if as_json:
        _echo_json(data)
        return
    click.echo(f"{len(data['groups'])} groups")
    for g in data["groups"]:
        members = ", ".join(f"{m['id']} ¶{m['n']}" for m in g["members"][:8])
        more = f" (+{len(g['members']) - 8} more)" if len(g["members"]) > 8 else ""
        click.echo(f"{g['kind']:<11} {g['similarity']:.2f}  {len(g['members'])} copies: {members}{more}")


@main.command()
@click.argument("term", required=False)
@click.option("--index", "index_dir", default=DEFAULT_INDEX, show_default=True, help="Index folder.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the shape of /api/variants).")
@click.option("--mined", is_flag=True, help="List every pair mined from the indexed articles, for review.")
def variants(term, index_dir, as_json, mined):
    """Show every spelling of a name and where each came from.

    Sources: mined (article and paragraph where the press wrote 中文名（English）),
    lexicon (Chinese Wikipedia's cross-strait tables), opencc (regional
    vocabulary), curated (searcher/data/curated.tsv or --curated files).

    \b
    Example:
        searcher variants 川普
        searcher variants Zelensky --json
        searcher variants --mined
    """
    _need_index(index_dir)
    table = idx.IndexHandle(index_dir).current().variants
    if mined:
        rows = table.mined_report()
        if as_json:
            _echo_json({"mined": rows})
        else:
            for r in rows:
                click.echo("\t".join(str(r.get(k, "")) for k in ("zh", "alias", "id", "n", "status")))
        return
    if not term:
        raise click.UsageError("give a TERM (or --mined)")
    data = variants_json(table, term)
    if as_json:
        _echo_json(data)
        return
    if not data["group"]:
        click.echo(f"{term}: no variant group (searched as typed)")
        return
    click.echo(f"{term}: {len(data['group'])} spellings")
    for m in data["members"]:
        click.echo(f"  {m['member']}\t" + "; ".join(_prov(p) for p in m["sources"]))


def _prov(p: dict) -> str:
    if p.get("source") == "mined":
        return f"mined: {p.get('id')} ¶{p.get('n')}"
    extra = p.get("group") or p.get("file") or ""
    return f"{p.get('source')}" + (f" ({extra})" if extra else "")


def _need_index(index_dir):
    if not idx.exists(index_dir):
        raise click.ClickException(f"no index in {index_dir}: run `searcher build --index {index_dir}` first")


@main.command()
@click.option("--index", "index_dir", default=DEFAULT_INDEX, show_default=True, help="Index folder.")
@click.option("--source", "sources", multiple=True, type=click.Path(),
              help="Sources to (re)build from when the index is missing or stale. Default: seeds/")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=5000, show_default=True, help="Port.")
@click.option("--dev", is_flag=True, help="Flask's development server (reloader off) instead of waitress.")
def serve(index_dir, sources, host, port, dev):
    """Serve the search page, building the index first if it is missing or stale.

    Stale means its sources changed since it was built.  An index built from
    other sources is served as it is unless --source names them.

    \b
    Example:
        searcher serve --port 8000      # then open http://127.0.0.1:8000/
    """
    explicit = bool(sources)
    sources = list(sources or (DEFAULT_SOURCE,))
    old = idx.outdated(index_dir)
    if idx.exists(index_dir) and not explicit and not idx.built_from(index_dir, sources):
        # An index of other sources: serve it, never overwrite it with the default; if an
        # older version built it, rebuild it from its own sources.
        if old is not None:
            if not old or not all(os.path.exists(s) for s in old):
                raise click.ClickException(
                    f"{index_dir} was built by an older version from sources that are gone; rebuild it "
                    f"with `searcher build --index {index_dir} --source ...`")
            click.echo(f"{index_dir} was built by an older version: rebuilding from {', '.join(old)} ...",
                       err=True)
            click.echo(run_build(old, index_dir).text(), err=True)
    elif idx.is_stale(index_dir, sources):
        if all(os.path.exists(s) for s in sources):
            click.echo(f"building {index_dir} from {', '.join(sources)} ...", err=True)
            click.echo(run_build(sources, index_dir).text(), err=True)
        elif not idx.exists(index_dir):
            raise click.ClickException(f"no index in {index_dir} and no source {sources} to build it from")
    from .web import create_app

    app = create_app({"INDEX_DIR": index_dir})
    click.echo(f"serving {index_dir} on http://{host}:{port}/", err=True)
    if dev:
        app.run(host=host, port=port, debug=False, use_reloader=False)
    else:
        from waitress import serve as wserve

        wserve(app, host=host, port=port, threads=8, ident="searcher")


from .engine.opensearch.cli import cluster as cluster_commands  # noqa: E402  (searcher cluster ...)
main.add_command(cluster_commands)

if __name__ == "__main__":
    main()
