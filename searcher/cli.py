"""The ``searcher`` command: a thin click layer over the library."""
from __future__ import annotations

import json
import os
import shlex
import sys

import click

from .engine import EngineError, open_engine
from .engine.embedded import BuildError
from .engine.embedded.layout import WriterBusy
from .ingest import IngestReport, read_sources
from .names import variants_json
from .query import QueryError
from .search import SearchParams, search

PROJECT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The project's own seeds wherever the command runs (an installed copy without them: ./seeds).
DEFAULT_SOURCE = os.path.join(PROJECT, "seeds") if os.path.isdir(os.path.join(PROJECT, "seeds")) else "seeds"
DEFAULT_INDEX = "index"  # in the current folder


ENGINES = ("embedded", "opensearch")


class EngineSpec:
    """Which engine a command talks to: the embedded one (an index folder) or a cluster."""

    def __init__(self, engine: str = "embedded", urls=(), index_name: str | None = None):
        self.engine, self.urls, self.index_name = engine or "embedded", tuple(urls or ()), index_name

    @property
    def cluster(self) -> bool:
        return self.engine == "opensearch"

    def open(self, index_dir: str):
        if not self.cluster:
            return open_engine(index_dir)
        try:
            eng = open_engine(engine="opensearch", urls=list(self.urls) or None, index_name=self.index_name)
            down = eng.client.unreachable()  # say it now rather than after the retries
            if len(down.reasons) == len(eng.urls):
                raise down
            return eng
        except EngineError as e:
            raise click.ClickException(str(e)) from None

    def options(self, eng) -> dict:
        """What another process needs to open the same engine (``serve``'s workers)."""
        return {"engine": "opensearch", "urls": list(eng.urls), "index_name": eng.index_name} if self.cluster else {}


def engine_options(f):
    """``--engine embedded|opensearch``, ``--url URL`` (repeatable) and ``--index-name NAME``
    (or SEARCHER_ENGINE, SEARCHER_OPENSEARCH_URL, SEARCHER_INDEX_NAME); the command gets
    them as ``spec`` (an EngineSpec).  Errors of the engine become clear messages."""
    import functools

    @functools.wraps(f)
    def wrapped(*args, engine, urls, index_name, **kwargs):
        try:
            return f(*args, spec=EngineSpec(engine, urls, index_name), **kwargs)
        except EngineError as e:
            raise click.ClickException(str(e)) from None

    wrapped = click.option("--index-name", envvar="SEARCHER_INDEX_NAME", default=None, metavar="NAME",
                           help="With --engine opensearch: the index (alias) on the cluster. Default: "
                                "$SEARCHER_INDEX_NAME, else 'searcher'.")(wrapped)
    wrapped = click.option("--url", "urls", multiple=True, metavar="URL",
                           help="With --engine opensearch: a node of the cluster (repeatable). Default: "
                                "$SEARCHER_OPENSEARCH_URL (comma-separated).")(wrapped)
    wrapped = click.option("--engine", type=click.Choice(ENGINES), envvar="SEARCHER_ENGINE", default="embedded",
                           show_default=True, help="Where the index lives: an index folder (embedded) or an "
                                                   "OpenSearch cluster (also SEARCHER_ENGINE).")(wrapped)
    return wrapped


def _echo_json(obj) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=1))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="searcher")
def main():
    """Search Chinese news text: build an index, change it, search it, serve the web UI.

    \b
    Example:
        searcher build && searcher search 阿拉斯加 && searcher serve
    """


def run_build(sources, index_dir, progress=True, curated=(), spec: EngineSpec | None = None):
    if spec is not None and spec.cluster:
        try:
            return spec.open(index_dir).build(list(sources), progress=progress, curated=tuple(curated))
        except (BuildError, EngineError) as e:
            raise click.ClickException(str(e)) from None
    fresh = not os.path.exists(index_dir)
    try:
        return open_engine(index_dir).build(list(sources), progress=progress, curated=tuple(curated))
    except BaseException as e:
        if fresh and os.path.isdir(index_dir) and not open_engine(index_dir).exists():
            import shutil

            shutil.rmtree(index_dir, ignore_errors=True)  # no folder holding only a lock file
        if isinstance(e, BuildError):
            raise click.ClickException(str(e)) from None
        raise


@main.command()
@click.option("--source", "sources", multiple=True, type=click.Path(),
              help="A folder of .txt articles or a .jsonl / .jsonl.gz file (repeatable). Default: the "
                   "project's seeds/")
@click.option("--index", "index_dir", default=DEFAULT_INDEX, show_default=True, help="Index folder to write.")
@click.option("--curated", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="More variant spellings, in the format of searcher/data/curated.tsv (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@engine_options
def build(sources, index_dir, curated, as_json, quiet, spec):
    """Build (or rebuild) the index from articles.

    Sources are streamed into segments of bounded size, so memory does not grow
    with the corpus.  Bad files are reported by name and skipped; the build
    fails only when nothing could be indexed.  Readers keep the old index until
    the new one is complete.

    \b
    Example:
        searcher build --source seeds --source ../shared/eval/drcd/corpus.jsonl --index /tmp/ix
        searcher build --curated my-names.tsv
        searcher build --engine opensearch --url http://127.0.0.1:9200 --index-name news
    """
    summary = run_build(sources or (DEFAULT_SOURCE,), index_dir, progress=not quiet, curated=curated, spec=spec)
    if as_json:
        _echo_json(summary.to_json())
    else:
        click.echo(summary.text())


@main.command()
@click.option("--source", "sources", multiple=True, type=click.Path(), required=True,
              help="A folder of .txt articles or a .jsonl / .jsonl.gz file (repeatable).")
@click.option("--index", "index_dir", default=DEFAULT_INDEX, show_default=True, help="Index folder.")
@click.option("--no-merge", is_flag=True, help="Do not merge small segments afterwards.")
@click.option("--wait", default=30.0, show_default=True, help="Seconds to wait for another writer.")
@click.option("--json", "as_json", is_flag=True, help="Print what changed as JSON.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@engine_options
def add(sources, index_dir, no_merge, wait, as_json, quiet, spec):
    """Add articles to an index; an article whose id is indexed is replaced.

    The change is one commit: searches see all of it or none of it, and a
    running `searcher serve` sees it at once.  Small segments are merged
    afterwards (searches go on meanwhile).

    \b
    Example:
        searcher add --source today.jsonl
        searcher add --source exports/ --index /srv/index
    """
    eng = _need_index(index_dir, spec)
    report = IngestReport()
    try:
        result = eng.add(read_sources(list(sources), report), progress=not quiet, wait=wait)
    except WriterBusy as e:
        raise click.ClickException(str(e)) from None
    merged = [] if no_merge else eng.merge(wait=wait)
    if as_json:
        _echo_json({**result.to_json(), "merges": merged, "skipped": [str(s) for s in report.skipped],
                    "warnings": [str(s) for s in report.warnings]})
    else:
        click.echo(f"added {len(result.added)} articles, replaced {len(result.replaced)} "
                   f"({result.paragraphs} paragraphs) in {result.seconds:.2f} s")
        for m in merged:
            click.echo(_merge_line(m))
        for s in report.skipped:
            click.echo(f"skipped {s}", err=True)
        for s in report.warnings:
            click.echo(f"warning {s}", err=True)
    if report.skipped and not result.added and not result.replaced:
        sys.exit(1)


@main.command()
@click.argument("ids", nargs=-1, required=True)
@click.option("--index", "index_dir", default=DEFAULT_INDEX, show_default=True, help="Index folder.")
@click.option("--wait", default=30.0, show_default=True, help="Seconds to wait for another writer.")
@click.option("--json", "as_json", is_flag=True, help="Print what changed as JSON.")
@engine_options
def delete(ids, index_dir, wait, as_json, spec):
    """Delete articles by id (one commit).  Exit code 1 when an id is unknown.

    \b
    Example:
        searcher delete 004_6341f3f655f86c6f
    """
    eng = _need_index(index_dir, spec)
    try:
        result = eng.delete(list(ids), wait=wait)
    except WriterBusy as e:
        raise click.ClickException(str(e)) from None
    if as_json:
        _echo_json(result.to_json())
    else:
        click.echo(f"deleted {len(result.deleted)} articles")
        for u in result.unknown:
            click.echo(f"unknown article id: {u}", err=True)
    if result.unknown:
        sys.exit(1)


@main.command()
@click.option("--index", "index_dir", default=DEFAULT_INDEX, show_default=True, help="Index folder.")
@click.option("--json", "as_json", is_flag=True, help="Print the merges as JSON.")
@engine_options
def merge(index_dir, as_json, spec):
    """Merge small segments (and rewrite segments with many deletions) now.

    `searcher add` and `searcher serve` do this by themselves; searches go on
    during a merge.

    \b
    Example:
        searcher merge --index /srv/index
    """
    eng = _need_index(index_dir, spec)
    merged = eng.merge()
    if as_json:
        _echo_json({"merges": merged, **eng.reader().stats()})
    else:
        for m in merged:
            click.echo(_merge_line(m))
        st = eng.reader().stats()
        click.echo(f"{st['segments']} segments, {st['paragraphs']} paragraphs")


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
@click.option("--no-discovered", is_flag=True, help="Leave out variants the index discovered itself.")
@click.option("--exclude", default="", help="Spellings not to search, comma-separated.")
@engine_options
def search_cmd(query, index_dir, as_json, limit, page, op, date_from, date_to, sort, no_variants,
               no_discovered, exclude, spec):
    """Search the index.  Words are ANDed; "quoted phrases", OR, -word / NOT word.

    \b
    Example:
        searcher search '"烏克蘭總統" -普京' --limit 5
        searcher search 川普 --json
    """
    eng = _need_index(index_dir, spec)
    args = {"q": query, "limit": str(limit), "page": str(page), "op": op, "from": date_from,
            "to": date_to, "sort": sort, "variants": "off" if no_variants else "on",
            "discovered": "off" if no_discovered else "on", "exclude": exclude}
    try:
        params = SearchParams.from_args(args)
        result = search(eng.reader(), params)
    except QueryError as e:
        raise click.UsageError(str(e)) from None
    except FileNotFoundError as e:
        raise click.ClickException(str(e)) from None
    if as_json:
        _echo_json(result.to_json())
        return
    click.echo(f"{result.total} article{'s' if result.total != 1 else ''} match {query!r} "
               f"(page {result.page} of {result.pages})")
    if result.page > result.pages:
        click.echo(f"there is no page {result.page}: the last is page {result.pages}")
    for v in result.variants:
        said = f" (拼音 {v.term} → {v.understood})" if v.understood and "pinyin" in v.sources else ""
        click.echo(f"also searched for {v.term}{said}: " + " · ".join(m for m in v.group if m != v.term)
                   + f"  [{', '.join(v.sources)}]")
    for r in result.results:
        click.echo("")
        meta = [x for x in (r.source, r.date, f"score {r.score:.2f}" if sort == "relevance" else None) if x]
        click.secho(f"{r.title}  [{r.id}]  " + "  ".join(meta), bold=True)
        if r.url:
            click.echo(f"  {r.url}")
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
@engine_options
def repeats(index_dir, as_json, kind, limit, spec):
    """List repeated paragraphs, largest group first.

    Kinds: exact (same text after normalising script, width, spaces and
    punctuation), near (small edits), partial (most sentences appear in another
    paragraph), boilerplate (short lines repeated across many articles).

    \b
    Example:
        searcher repeats --kind exact --limit 5
        searcher repeats --json > repeats.json
    """
    eng = _need_index(index_dir, spec)
    reader = eng.reader()
    groups = [g for g in reader.repeats.all_groups() if kind is None or g.kind == kind]
    shown = groups[:limit] if limit else groups
    if as_json:
        _echo_json({"total": len(groups), "groups": [g.to_json() for g in shown]})
        return
    what = f"{kind} groups" if kind else "groups"
    click.echo(f"{len(groups)} {what}" + (f" (showing the {len(shown)} largest)" if len(shown) < len(groups) else ""))
    from .ingest import shorten

    for g in shown:
        members = ", ".join(f"{a} ¶{n}" for a, n in g.members[:8])
        more = f" (+{len(g.members) - 8} more)" if len(g.members) > 8 else ""
        click.echo("")
        click.echo(f"{g.kind:<11} {g.similarity:.2f}  {len(g.members)} copies: {members}{more}")
        click.echo("  " + shorten(" ".join(reader.paragraph(g.docs[0]).text.split()), 100))


@main.command()
@click.argument("term", required=False)
@click.option("--index", "index_dir", default=DEFAULT_INDEX, show_default=True, help="Index folder.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the shape of /api/variants).")
@click.option("--mined", is_flag=True, help="List every pair mined from the indexed articles, for review.")
@click.option("--discovered", is_flag=True,
              help="Also list variants the index proposes itself (alike in sound and context), with evidence.")
@engine_options
def variants(term, index_dir, as_json, mined, discovered, spec):
    """Show every spelling of a name and where each came from.

    Sources: mined (article and paragraph where the press wrote 中文名（English）),
    lexicon (Chinese Wikipedia's cross-strait tables), opencc (regional
    vocabulary), curated (searcher/data/curated.tsv, or files given to
    `searcher build --curated`).

    \b
    Example:
        searcher variants 川普
        searcher variants Zelensky --json
        searcher variants --mined
    """
    eng = _need_index(index_dir, spec)
    reader = eng.reader()
    table = reader.names
    if discovered and not term:
        from .names.discovery import discover_all

        rows = [d.to_json() for d in discover_all(table, reader.corpus)]
        if as_json:
            _echo_json({"discovered": rows})
        else:
            for d in rows:
                ev = d["evidence"]
                click.echo(f"{d['term']}\t{d['other']}\tsound {d['sound']}\tcontext {d['context']}\t"
                           f"{'confident' if d['confident'] else 'candidate'}\t"
                           f"shared: {' '.join(ev.get('shared_context', []))}")
        return
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
    data = variants_json(table, term, reader.corpus, discovered)
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
    if p.get("source") == "compound":
        return "compound of " + " + ".join(p.get("leaders", []))
    if p.get("source") == "pinyin":
        return f"pinyin: {p.get('typed')}"
    if p.get("source") == "discovered":
        return f"discovered: sound {p.get('sound')}, context {p.get('context')}"
    extra = p.get("group") or p.get("file") or ""
    return f"{p.get('source')}" + (f" ({extra})" if extra else "")


def _merge_line(m: dict) -> str:
    if m.get("purged") is not None:
        return f"purged {m['purged']} removed documents in {m['seconds']} s"
    return f"merged {len(m['merged'])} segments into one of {m['docs']} paragraphs in {m['seconds']} s"


def _need_index(index_dir, spec: EngineSpec | None = None):
    spec = spec or EngineSpec()
    eng = spec.open(index_dir)
    old = eng.outdated()
    if old is not None and spec.cluster:
        raise click.ClickException(
            f"the index {eng.index_name!r} was built by an older version: rebuild it with `searcher build "
            f"--engine opensearch --index-name {eng.index_name}" + "".join(f" --source {shlex.quote(s)}" for s in old)
            + "`")
    if not spec.cluster and old is not None:
        raise click.ClickException(
            f"{index_dir} was built by an older version: rebuild it with "
            f"`searcher build --index {shlex.quote(index_dir)}" + "".join(f" --source {shlex.quote(s)}" for s in old)
            + "`")
    if spec.cluster and not eng.exists():
        raise click.ClickException(eng.missing_message())
    if not eng.exists():
        where = os.path.abspath(index_dir)
        raise click.ClickException(
            f"no index in {where}: build one with `searcher build --index {shlex.quote(where)}` "
            f"(from {DEFAULT_SOURCE}; add --source PATH for your own articles)")
    return eng


@main.command()
@click.option("--index", "index_dir", default=DEFAULT_INDEX, show_default=True, help="Index folder.")
@click.option("--source", "sources", multiple=True, type=click.Path(),
              help="Sources to (re)build from when the index is missing or stale. Default: the project's seeds/")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=5000, show_default=True, help="Port.")
@click.option("--workers", default=0, help="Worker processes (default: one per core, at least 2).")
@click.option("--write-token", envvar="SEARCHER_WRITE_TOKEN", default=None,
              help="Turn on the write API; clients send 'Authorization: Bearer TOKEN'. "
                   "Also SEARCHER_WRITE_TOKEN.")
@click.option("--watch", "watch", multiple=True, type=click.Path(file_okay=False),
              help="A folder of .txt articles to keep indexed: new, changed and removed files are "
                   "picked up within seconds (repeatable).")
@click.option("--dev", is_flag=True, help="Flask's development server (one process) instead of gunicorn.")
@engine_options
def serve(index_dir, sources, host, port, workers, write_token, watch, dev, spec):
    """Serve the search page, building the index first if it is missing or stale.

    Stale means its sources changed since it was built.  An index built from
    other sources is served as it is unless --source names them.  Worker
    processes share the memory-mapped index and each sees every commit.

    \b
    Example:
        searcher serve --port 8000      # then open http://127.0.0.1:8000/
        searcher serve --write-token s3cret --watch /srv/exports
        searcher serve --engine opensearch --url http://127.0.0.1:9200 --index-name news

    On a cluster (--engine opensearch) the index is built only when --source names what to
    build it from (and it is missing or stale); otherwise it must exist.
    """
    explicit = bool(sources)
    sources = list(sources or (DEFAULT_SOURCE,))
    if spec.cluster:
        eng = spec.open(index_dir)
        if explicit and eng.is_stale(sources):
            click.echo(f"building {eng.index_name} from {', '.join(sources)} ...", err=True)
            click.echo(run_build(sources, index_dir, spec=spec).text(), err=True)
        elif not eng.exists():
            raise click.ClickException(eng.missing_message() + " (or pass --source to serve to build it)")
        from .serving import run_server

        run_server(index_dir, host=host, port=port, workers=workers, write_token=write_token,
                   watch=list(watch), dev=dev, engine_options=spec.options(eng))
        return
    eng = open_engine(index_dir)
    old = eng.outdated()
    if old is not None:
        if not old or not all(os.path.exists(s) for s in old):
            raise click.ClickException(
                f"{index_dir} was built by an older version from sources that are gone; rebuild it "
                f"with `searcher build --index {index_dir} --source ...`")
        click.echo(f"{index_dir} was built by an older version: rebuilding from {', '.join(old)} ...", err=True)
        _clear_old_layout(index_dir)
        click.echo(run_build(old, index_dir).text(), err=True)
    elif eng.exists() and not explicit and not eng.built_from(sources):
        pass  # an index of other sources (or grown by adds): serve it, never overwrite it
    elif eng.is_stale(sources):
        if all(os.path.exists(s) for s in sources):
            click.echo(f"building {index_dir} from {', '.join(sources)} ...", err=True)
            click.echo(run_build(sources, index_dir).text(), err=True)
        elif not eng.exists():
            raise click.ClickException(f"no index in {index_dir} and no source {sources} to build it from")
    from .serving import run_server

    run_server(index_dir, host=host, port=port, workers=workers, write_token=write_token,
               watch=list(watch), dev=dev)


def _clear_old_layout(index_dir):
    import shutil

    for name in os.listdir(index_dir):
        p = os.path.join(index_dir, name)
        if name == "CURRENT" or name.startswith("gen-") or name == ".build.lock":
            shutil.rmtree(p, ignore_errors=True) if os.path.isdir(p) else os.remove(p)


from .engine.opensearch.cli import cluster as cluster_commands  # noqa: E402  (searcher cluster ...)
main.add_command(cluster_commands)

if __name__ == "__main__":
    main()
