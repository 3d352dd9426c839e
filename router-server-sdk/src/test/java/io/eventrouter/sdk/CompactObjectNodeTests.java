package io.eventrouter.sdk;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.JsonNodeType;
import tools.jackson.databind.node.ObjectNode;

import static org.assertj.core.api.Assertions.assertThat;

class CompactObjectNodeTests {

    private static final JsonMapper MAPPER = JsonMapper.shared();

    private final CompactObjectNode node = new CompactObjectNode(CompactNodeFactory.INSTANCE, 2);

    @Test
    void writesSameJsonAsPlainNode() {
        fill(this.node);
        ObjectNode plain = JsonNodeFactory.instance.objectNode();
        fill(plain);

        assertThat(MAPPER.writeValueAsString(this.node)).isEqualTo(MAPPER.writeValueAsString(plain));
    }

    @Test
    void readsPlainValuesAsNodes() {
        fill(this.node);

        assertThat(this.node.get("text").stringValue()).isEqualTo("value");
        assertThat(this.node.get("int").getNodeType()).isEqualTo(JsonNodeType.NUMBER);
        assertThat(this.node.get("int").isInt()).isTrue();
        assertThat(this.node.get("long").isLong()).isTrue();
        assertThat(this.node.get("double").isDouble()).isTrue();
        assertThat(this.node.get("short").isInt()).isTrue();
        assertThat(this.node.get("flag").booleanValue()).isTrue();
        assertThat(this.node.get("missing").isNull()).isTrue();
        assertThat(this.node.get("nested").get("inner").stringValue()).isEqualTo("x");
    }

    @Test
    void equalsPlainNodeWithSameProperties() {
        fill(this.node);
        ObjectNode plain = JsonNodeFactory.instance.objectNode();
        fill(plain);

        assertThat(this.node).isEqualTo(plain);
        assertThat(plain).isEqualTo(this.node);
        assertThat(this.node.hashCode()).isEqualTo(plain.hashCode());
    }

    @Test
    void deepCopyIsIndependent() {
        fill(this.node);

        CompactObjectNode copy = this.node.deepCopy();
        copy.putValue("text", "changed");
        copy.withObjectProperty("nested").put("inner", "changed");

        assertThat(this.node.get("text").stringValue()).isEqualTo("value");
        assertThat(this.node.get("nested").get("inner").stringValue()).isEqualTo("x");
        assertThat(copy.get("text").stringValue()).isEqualTo("changed");
    }

    @Test
    void writesSameJsonWhenLarge() {
        ObjectNode plain = JsonNodeFactory.instance.objectNode();
        for (int i = 0; i <= CompactObjectMap.MAX_ARRAY_ENTRIES; i++) {
            this.node.putValue("key-" + i, (i % 2 == 0) ? "value-" + i : i);
            plain.set("key-" + i, BaseEventBuilder.toNode((i % 2 == 0) ? "value-" + i : i));
        }

        assertThat(MAPPER.writeValueAsString(this.node)).isEqualTo(MAPPER.writeValueAsString(plain));
    }

    /** Sets one property of every kind through the node's own method, or as Jackson would. */
    private static void fill(ObjectNode target) {
        Map<String, Object> values = new java.util.LinkedHashMap<>();
        values.put("text", "value");
        values.put("int", 3);
        values.put("long", 4_000_000_000L);
        values.put("double", 12.5);
        values.put("short", (short) 7);
        values.put("flag", true);
        values.put("missing", null);
        values.put("list", List.of("a", 1));
        values.put("nested", Map.of("inner", "x"));
        values.forEach((name, value) -> {
            if (target instanceof CompactObjectNode compact) {
                compact.putValue(name, value);
            }
            else {
                target.set(name, BaseEventBuilder.toNode(value));
            }
        });
    }

}
