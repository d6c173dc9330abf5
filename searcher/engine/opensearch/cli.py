"""``searcher cluster ...``: a local OpenSearch cluster for trying the cluster engine on one machine.

Registered in ``searcher/cli.py`` with ``main.add_command``; imports nothing heavy at startup.
"""
from __future__ import annotations

import json

import click

from .cluster import ClusterError, LocalCluster, default_dir

URL_ENV = "SEARCHER_OPENSEARCH_URL"  # = client.URL_ENV (not imported: the client loads opensearch-py)

_dir_option = click.option(
    "--dir", "directory", type=click.Path(file_okay=False), default=None,
    help="The cluster's folder (node data, logs, cluster.json). Default: $SEARCHER_CLUSTER_DIR, else ./cluster")


def url_option(f):
    """``--url URL`` (repeatable, or comma-separated): the nodes of an existing cluster; default
    ``$SEARCHER_OPENSEARCH_URL``.  For every command that talks to a cluster."""
    return click.option("--url", "urls", multiple=True, metavar="URL",
                        help=f"A node of the OpenSearch cluster (repeatable). Default: ${URL_ENV} "
                             "(comma-separated).")(f)


def _open(directory) -> LocalCluster:
    try:
        return LocalCluster.open(directory or default_dir())
    except ClusterError as e:
        raise click.ClickException(str(e)) from None


def _say(message: str) -> None:
    click.echo(message, err=True)


def _node_lines(c: LocalCluster) -> None:
    for n in c.status()["nodes"]:
        state = f"pid {n['pid']}" if n["alive"] else "not running"
        click.echo(f"{n['name']}  {n['url']}  {state}")


@click.group("cluster")
def cluster():
    """A real OpenSearch cluster on this machine (one JVM per node on 127.0.0.1).

    For trying the cluster engine, for tests and CI; not for production.  The
    first start builds the launcher with Maven (Java 17 and `mvn` needed).
    To use an existing cluster instead, give its URLs with --url or
    SEARCHER_OPENSEARCH_URL.

    \b
    Example:
        searcher cluster start --nodes 3 && searcher cluster status && searcher cluster stop
    """


@cluster.command()
@click.option("--nodes", type=click.IntRange(1, 9), default=None,
              help="Number of nodes. Default: 3 (a stopped cluster: as many as it had).")
@_dir_option
@click.option("--heap", default=None, help="Java heap per node (512m, 1g ...). Default: 512m.")
@click.option("--port", type=click.IntRange(1, 65435), default=None,
              help="HTTP port of the first node (then +1 each; transport ports are 100 above). "
                   "Default: the first free ones from 9200.")
@click.option("--timeout", type=float, default=300, show_default=True, help="Seconds to wait for green.")
def start(nodes, directory, heap, port, timeout):
    """Start the nodes, wait for green, print their URLs and PIDs.

    A folder holding a stopped cluster starts it again with its data and ports.
    The last line is an `export SEARCHER_OPENSEARCH_URL=...` for the shell.
    """
    try:
        c = LocalCluster.start(directory, nodes, heap=heap, port=port, timeout=timeout, say=_say)
    except ClusterError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"cluster {c.cluster_name} green: {len(c.nodes)} node{'s' * (len(c.nodes) > 1)} in {c.directory}")
    _node_lines(c)
    click.echo(f"export {URL_ENV}={','.join(c.urls)}")


@cluster.command()
@_dir_option
@click.option("--json", "as_json", is_flag=True,
              help='Print {"status": "green|yellow|red", "nodes": [{"name", "url", "pid", "alive"}]}.')
def status(directory, as_json):
    """Cluster health and each node's URL and PID ("red" when no node answers)."""
    c = _open(directory)
    s = c.status()
    if as_json:
        click.echo(json.dumps(s, indent=1))
        return
    running = sum(n["alive"] for n in s["nodes"])
    click.echo(f"{s['status']}: {running} of {len(s['nodes'])} nodes running "
               f"(cluster {c.cluster_name} in {c.directory})")
    _node_lines(c)


@cluster.command()
@_dir_option
def url(directory):
    """Print the node URLs, comma-separated (the value for SEARCHER_OPENSEARCH_URL)."""
    click.echo(",".join(_open(directory).urls))


@cluster.command()
@_dir_option
@click.option("--timeout", type=float, default=30, show_default=True,
              help="Seconds to wait after SIGTERM before SIGKILL.")
def stop(directory, timeout):
    """Stop every node by its PID: SIGTERM, then SIGKILL after --timeout. The data stays."""
    c = _open(directory)
    try:
        done = c.stop(timeout=timeout, say=_say)
    except ClusterError as e:
        raise click.ClickException(str(e)) from None
    if not done:
        click.echo(f"no node of the cluster in {c.directory} was running")
    for name, pid, how in done:
        click.echo(f"{how} {name} (pid {pid})")


@cluster.command()
@click.argument("node")
@_dir_option
def kill(node, directory):
    """SIGKILL one node (a crash, for fault-tolerance checks). NODE: node-2 or 2."""
    c = _open(directory)
    try:
        pid = c.kill(node)
    except ClusterError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"killed {c.node(node).name} (pid {pid})")


@cluster.command()
@click.argument("node")
@_dir_option
@click.option("--wait", "wait", type=click.Choice(["green", "yellow", "none"]), default="green",
              show_default=True, help="Wait until the node has rejoined and the cluster has this status.")
@click.option("--timeout", type=float, default=300, show_default=True)
def restart(node, directory, wait, timeout):
    """Start one node again with its data folder and ports, so it rejoins the cluster."""
    c = _open(directory)
    try:
        pid = c.restart(node, wait=None if wait == "none" else wait, timeout=timeout, say=_say)
    except ClusterError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"restarted {c.node(node).name} (pid {pid})")


@cluster.command()
@url_option
@_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print _cluster/health as JSON.")
def health(urls, directory, as_json):
    """Health of any cluster: --url / SEARCHER_OPENSEARCH_URL, else the local one in --dir.

    Checks that the product can reach an existing cluster through the client it uses
    (several nodes, retries): an unreachable one is named node by node.
    """
    import os

    from .client import OpenSearchError, connect

    if not urls and not os.environ.get(URL_ENV):
        urls = _open(directory).urls
    try:
        with connect(urls or None, retry_for=5) as client:
            h = client.health()
    except OpenSearchError as e:
        raise click.ClickException(str(e)) from None
    if as_json:
        click.echo(json.dumps(h, indent=1))
    else:
        click.echo(f"{h['cluster_name']}: {h['status']}, {h['number_of_nodes']} nodes, "
                   f"{h['active_shards']} active shards, {h['unassigned_shards']} unassigned "
                   f"({', '.join(client.urls)})")
