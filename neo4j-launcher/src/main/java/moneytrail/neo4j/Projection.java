package moneytrail.neo4j;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.neo4j.graphdb.Entity;
import org.neo4j.graphdb.Label;
import org.neo4j.graphdb.Node;
import org.neo4j.graphdb.Relationship;
import org.neo4j.graphdb.RelationshipType;
import org.neo4j.graphdb.ResourceIterator;
import org.neo4j.graphdb.Transaction;
import org.neo4j.procedure.Context;
import org.neo4j.procedure.Description;
import org.neo4j.procedure.Mode;
import org.neo4j.procedure.Name;
import org.neo4j.procedure.Procedure;

/**
 * Read-only procedures that hand the transaction graph to moneytrail as packed columns.
 *
 * <p>Decoding one Bolt value per relationship and column is what limits a plain Cypher
 * projection in Python. These procedures return each page of relationships as a few byte
 * arrays instead: little-endian {@code int64} node ids and epoch microseconds, {@code float64}
 * amounts, and strings as Arrow's layout ({@code int32} offsets plus UTF-8 bytes), which the
 * client maps with {@code numpy.frombuffer} / {@code pyarrow} without touching each value. They
 * read through the public Core API inside the caller's transaction, so they see exactly what a
 * Cypher read in the same transaction sees. Registered by the {@link Launcher}; on any other
 * Neo4j server moneytrail falls back to plain Cypher (engine/store/cypher.py).
 */
public final class Projection {
    static final Label ACCOUNT = Label.label("Account");
    static final RelationshipType TRANSFER = RelationshipType.withName("TRANSFER");

    @Context
    public Transaction tx;

    /** One page of accounts: internal node ids and their account_id strings. */
    public static final class AccountPage {
        public long rows;
        public byte[] node;
        public byte[] idOffsets;
        public byte[] idData;
    }

    /** One page of transfers: endpoints (node ids), amount_base, ts and optionally tx_id. */
    public static final class TransferPage {
        public long rows;
        public byte[] src;
        public byte[] dst;
        public byte[] amountBase;
        public byte[] tsMicros;
        public byte[] txOffsets;
        public byte[] txData;
    }

    @Procedure(name = "moneytrail.accountPages", mode = Mode.READ)
    @Description("Pages of (:Account) nodes as packed columns: node ids and account_id strings.")
    public Stream<AccountPage> accountPages(@Name("page") long page) {
        int size = pageSize(page);
        ResourceIterator<Node> nodes = tx.findNodes(ACCOUNT);
        return pages(nodes, () -> {
            AccountPage out = new AccountPage();
            ByteBuffer ids = buffer(size * 8);
            Strings names = new Strings(size);
            int n = 0;
            while (n < size && nodes.hasNext()) {
                Node node = nodes.next();
                ids.putLong(node.getId());
                names.add(text(node, "account_id"));
                n++;
            }
            out.rows = n;
            out.node = bytes(ids);
            out.idOffsets = names.offsets();
            out.idData = names.data();
            return out;
        });
    }

    @Procedure(name = "moneytrail.transferPages", mode = Mode.READ)
    @Description("Pages of [:TRANSFER] relationships as packed columns: src and dst node ids, "
            + "amount_base (float64), ts (epoch microseconds) and, if asked, tx_id strings.")
    public Stream<TransferPage> transferPages(
            @Name("page") long page, @Name("withTxId") boolean withTxId) {
        int size = pageSize(page);
        ResourceIterator<Relationship> rels = tx.findRelationships(TRANSFER);
        return pages(rels, () -> {
            TransferPage out = new TransferPage();
            ByteBuffer src = buffer(size * 8);
            ByteBuffer dst = buffer(size * 8);
            ByteBuffer amount = buffer(size * 8);
            ByteBuffer ts = buffer(size * 8);
            Strings ids = withTxId ? new Strings(size) : null;
            int n = 0;
            while (n < size && rels.hasNext()) {
                Relationship rel = rels.next();
                src.putLong(rel.getStartNode().getId());
                dst.putLong(rel.getEndNode().getId());
                // One walk of the property chain for all the columns asked for.
                Map<String, Object> values = withTxId
                        ? rel.getProperties("amount_base", "ts", "tx_id")
                        : rel.getProperties("amount_base", "ts");
                if (!(values.get("amount_base") instanceof Number number)) {
                    throw new IllegalStateException("a TRANSFER has no numeric amount_base");
                }
                amount.putDouble(number.doubleValue());
                if (!(values.get("ts") instanceof ZonedDateTime when)) {
                    throw new IllegalStateException("a TRANSFER has no datetime ts");
                }
                ts.putLong(when.toEpochSecond() * 1_000_000L + when.getNano() / 1_000);
                if (ids != null) {
                    if (!(values.get("tx_id") instanceof String txId)) {
                        throw new IllegalStateException("a TRANSFER has no string tx_id");
                    }
                    ids.add(txId);
                }
                n++;
            }
            out.rows = n;
            out.src = bytes(src);
            out.dst = bytes(dst);
            out.amountBase = bytes(amount);
            out.tsMicros = bytes(ts);
            out.txOffsets = ids == null ? new byte[0] : ids.offsets();
            out.txData = ids == null ? new byte[0] : ids.data();
            return out;
        });
    }

    private static int pageSize(long page) {
        if (page < 1 || page > 10_000_000) {
            throw new IllegalArgumentException("page must be between 1 and 10,000,000 rows");
        }
        return (int) page;
    }

    private static String text(Entity entity, String key) {
        if (!(entity.getProperty(key, null) instanceof String value)) {
            throw new IllegalStateException("an entity has no string " + key);
        }
        return value;
    }

    private static ByteBuffer buffer(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.position()];
        buffer.flip().get(out);
        return out;
    }

    /** A stream of pages filled from {@code source} until it is exhausted (closed with it). */
    private static <T> Stream<T> pages(ResourceIterator<?> source, java.util.function.Supplier<T> next) {
        Iterator<T> it = new Iterator<>() {
            private boolean first = true;

            @Override
            public boolean hasNext() {
                return first || source.hasNext();
            }

            @Override
            public T next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                first = false;
                return next.get();
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED), false)
                .onClose(source::close);
    }

    /** Strings in Arrow's layout: int32 offsets (n + 1, little-endian) and UTF-8 bytes. */
    private static final class Strings {
        private final ByteBuffer offsets;
        private final ByteArrayOutputStream data = new ByteArrayOutputStream();

        Strings(int capacity) {
            offsets = buffer((capacity + 1) * 4);
            offsets.putInt(0);
        }

        void add(String value) {
            data.writeBytes(value.getBytes(StandardCharsets.UTF_8));
            if (data.size() < 0) {
                throw new IllegalStateException("a page of strings exceeds 2 GiB");
            }
            offsets.putInt(data.size());
        }

        byte[] offsets() {
            return bytes(offsets);
        }

        byte[] data() {
            return data.toByteArray();
        }
    }
}
