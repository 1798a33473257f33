package moneytrail.neo4j;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.kernel.api.procedure.GlobalProcedures;
import org.neo4j.kernel.internal.GraphDatabaseAPI;

/**
 * Starts Neo4j Community (the same engine a Neo4j server runs) with the Bolt connector on.
 *
 * <p>Usage: {@code java -cp launcher.jar:lib/* moneytrail.neo4j.Launcher <home>}. The settings
 * come from {@code <home>/conf/neo4j.conf} (written by scripts/neo4j.sh: Bolt address,
 * authentication, memory); the password of the {@code neo4j} user from the environment variable
 * {@code NEO4J_PASSWORD}, never from a file or an argument, so it does not show in {@code ps}.
 *
 * <p>On the very first start the database is booted once with Bolt off to replace the default
 * password, so the server never listens while {@code neo4j/neo4j} would be accepted. The
 * process prints {@code moneytrail-neo4j ready} when Bolt accepts the new password, and shuts
 * the database down cleanly on SIGTERM (the shutdown hook flushes and closes the store).
 *
 * <p>It also registers the read-only {@link Projection} procedures ({@code moneytrail.*}), which
 * return the transaction graph as packed byte columns for a fast projection into Python.
 */
public final class Launcher {
    static final String READY = "moneytrail-neo4j ready";

    private Launcher() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: Launcher <home>");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        Path conf = home.resolve("conf").resolve("neo4j.conf");
        String password = System.getenv("NEO4J_PASSWORD");
        if (password == null || password.length() < 8) {
            System.err.println("NEO4J_PASSWORD must be set (at least 8 characters)");
            System.exit(2);
        }
        // A digest of the password in effect, so a restart with the same one skips ALTER USER.
        Path marker = home.resolve("data").resolve("moneytrail-password.sha256");
        String digest = HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(password.getBytes(StandardCharsets.UTF_8)));
        boolean fresh = !Files.exists(home.resolve("data").resolve("databases").resolve("system"));
        if (fresh) {
            // First boot without Bolt: set the password before anyone can connect.
            DatabaseManagementService offline = builder(home, conf)
                    .setConfig(BoltConnector.enabled, false)
                    .build();
            try {
                setPassword(offline, password);
            } finally {
                offline.shutdown();
            }
        }
        DatabaseManagementService dbms = builder(home, conf).build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("moneytrail-neo4j stopping");
            dbms.shutdown();
            System.out.println("moneytrail-neo4j stopped");
            stopped.countDown();
        }, "moneytrail-neo4j-shutdown"));
        boolean known = Files.exists(marker) && Files.readString(marker).equals(digest);
        if (!fresh && !known) {
            setPassword(dbms, password); // the environment is the source of truth
        }
        if (!known) {
            Files.writeString(marker, digest);
            Files.setPosixFilePermissions(marker, PosixFilePermissions.fromString("rw-------"));
        }
        GraphDatabaseService db = dbms.database("neo4j"); // fails fast if it cannot start
        // moneytrail's read-only projection procedures (packed columns; see Projection).
        ((GraphDatabaseAPI) db).getDependencyResolver()
                .resolveDependency(GlobalProcedures.class)
                .registerProcedure(Projection.class);
        System.out.println(READY);
        System.out.flush();
        stopped.await();
    }

    private static DatabaseManagementServiceBuilder builder(Path home, Path conf) {
        DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(home);
        if (Files.exists(conf)) {
            builder.loadPropertiesFromFile(conf);
        }
        return builder;
    }

    private static void setPassword(DatabaseManagementService dbms, String password) {
        GraphDatabaseService system = dbms.database("system");
        try {
            system.executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED",
                    Map.of("password", password));
        } catch (RuntimeException e) {
            // Setting the password it already has is refused; anything else is fatal.
            String message = String.valueOf(e.getMessage());
            if (!message.contains("same")) {
                throw e;
            }
        }
    }
}
