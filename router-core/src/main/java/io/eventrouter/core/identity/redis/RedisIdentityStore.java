package io.eventrouter.core.identity.redis;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

import io.eventrouter.core.identity.IdentityLink;
import io.eventrouter.core.identity.IdentityScope;
import io.eventrouter.core.identity.IdentityStore;
import io.eventrouter.core.identity.LinkKind;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import io.lettuce.core.codec.StringCodec;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * An identity store in Redis, shared by every router instance that connects to the same server,
 * through Lettuce's reactive API.
 *
 * <p>Each link is one hash, {@code <prefix><scope>:<kind code>:<id>}, such as
 * {@code router:identity:0123456789abcdef:d:<device id>}, with the fields {@code v} (linked id),
 * {@code s} (session id) and {@code t} (time). The kind codes are {@link LinkKind#code()}. A Lua
 * script compares the stored time and writes in one atomic step, so instances that record links
 * for one id at the same time converge on the newest. Every write renews the key's expiry, which
 * bounds Redis memory to the ids active within the retention.
 */
public final class RedisIdentityStore implements IdentityStore {

    /**
     * Writes ARGV[3..] as field-value pairs unless the stored time in field {@code t} is newer
     * than ARGV[1], then sets the expiry to ARGV[2] milliseconds. Times are milliseconds since the
     * epoch, which Lua's doubles hold exactly.
     */
    private static final String WRITE_IF_NOT_OLDER = """
            local stored = redis.call('HGET', KEYS[1], 't')
            if stored and tonumber(stored) > tonumber(ARGV[1]) then
              return 0
            end
            redis.call('HSET', KEYS[1], 't', ARGV[1], unpack(ARGV, 3))
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            return 1
            """;

    private final RedisClient client;

    private final RedisURI uri;

    private final AtomicReference<@Nullable StatefulRedisConnection<String, String>> connection =
            new AtomicReference<>();

    private final String keyPrefix;

    private final String retentionMillis;

    private volatile boolean closed;

    private RedisIdentityStore(RedisClient client, RedisURI uri, String keyPrefix, Duration retention) {
        this.client = client;
        this.uri = uri;
        this.keyPrefix = keyPrefix;
        this.retentionMillis = Long.toString(retention.toMillis());
    }

    /**
     * Creates a store for the Redis server at {@code uri}. It connects on first use and
     * reconnects after a connection loss, so an unreachable server delays no start-up: calls
     * signal errors until it is reachable, and the stitcher passes events unstitched meanwhile.
     * The store owns its client and shuts it down with {@link #close()}.
     *
     * @param keyPrefix the start of every key the store writes, such as {@code router:identity:}
     * @param retention how long a link lives after its last write
     */
    public static RedisIdentityStore connect(RedisURI uri, String keyPrefix, Duration retention) {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        if (retention.isNegative() || retention.isZero()) {
            throw new IllegalArgumentException("retention must be positive, but was " + retention);
        }
        RedisClient client = RedisClient.create();
        // While disconnected, fail commands at once instead of queueing them without bound.
        client.setOptions(ClientOptions.builder()
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .build());
        return new RedisIdentityStore(client, uri, keyPrefix, retention);
    }

    /** Returns the commands of the shared connection, opening it first when there is none. */
    private Mono<RedisReactiveCommands<String, String>> commands() {
        if (this.closed) {
            return Mono.error(new IllegalStateException("The identity store is closed"));
        }
        StatefulRedisConnection<String, String> current = this.connection.get();
        if (current != null) {
            return Mono.just(current.reactive());
        }
        return Mono.fromCompletionStage(() -> this.client.connectAsync(StringCodec.UTF8, this.uri))
                .map((opened) -> {
                    // Concurrent first calls may each open a connection; the first one wins.
                    if (!this.connection.compareAndSet(null, opened)) {
                        opened.closeAsync();
                    }
                    return this.connection.get().reactive();
                });
    }

    @Override
    public Mono<IdentityLink> find(IdentityScope scope, LinkKind kind, String id) {
        return fields(key(scope, kind, id), "v", "s", "t")
                .filter((fields) -> fields.size() == 3)
                .map((fields) -> new IdentityLink(fields.get("v"), Long.parseLong(fields.get("s")),
                        Long.parseLong(fields.get("t"))));
    }

    @Override
    public Mono<Void> record(IdentityScope scope, LinkKind kind, String id, IdentityLink link) {
        return writeIfNotOlder(key(scope, kind, id), link.time(), "v", link.linkedId(),
                "s", Long.toString(link.sessionId()));
    }

    /** Returns the fields that have values; absent fields are left out. */
    private Mono<Map<String, String>> fields(String key, String... names) {
        return commands()
                .flatMapMany((commands) -> commands.hmget(key, names))
                .filter(KeyValue::hasValue)
                .collectMap(KeyValue::getKey, KeyValue::getValue, HashMap::new);
    }

    private Mono<Void> writeIfNotOlder(String key, long time, String... fieldsAndValues) {
        String[] arguments = new String[2 + fieldsAndValues.length];
        arguments[0] = Long.toString(time);
        arguments[1] = this.retentionMillis;
        System.arraycopy(fieldsAndValues, 0, arguments, 2, fieldsAndValues.length);
        // NOTE: EVAL sends the script's text with every write; EVALSHA would save those bytes.
        return commands()
                .flatMapMany((commands) -> commands.<Long>eval(WRITE_IF_NOT_OLDER, ScriptOutputType.INTEGER,
                        new String[] {key}, arguments))
                .then();
    }

    private String key(IdentityScope scope, LinkKind kind, String id) {
        return this.keyPrefix + scope.value() + ':' + kind.code() + ':' + id;
    }

    /** Closes the connection and shuts the client down. */
    @Override
    public void close() {
        this.closed = true;
        StatefulRedisConnection<String, String> current = this.connection.getAndSet(null);
        if (current != null) {
            current.close();
        }
        // The connection is closed, so there is nothing to wait quietly for.
        this.client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

}
