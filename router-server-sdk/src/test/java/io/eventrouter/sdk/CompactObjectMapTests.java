package io.eventrouter.sdk;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

import static org.assertj.core.api.Assertions.assertThat;

class CompactObjectMapTests {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final CompactObjectMap map = new CompactObjectMap();

    @Test
    void keepsInsertionOrderAndReplacesInPlace() {
        this.map.put("b", NODES.numberNode(1));
        this.map.put("a", NODES.numberNode(2));
        this.map.put("b", NODES.numberNode(3));

        assertThat(this.map.keySet()).containsExactly("b", "a");
        assertThat(this.map.get("b")).isEqualTo(NODES.numberNode(3));
        assertThat(this.map).hasSize(2);
    }

    @Test
    void removesFirstMiddleAndLastEntries() {
        List.of("a", "b", "c", "d").forEach((key) -> this.map.put(key, NODES.stringNode(key)));

        this.map.remove("a");
        this.map.remove("c");
        this.map.remove("d");
        this.map.put("e", NODES.stringNode("e"));

        assertThat(this.map.keySet()).containsExactly("b", "e");
    }

    @Test
    void iteratorRemovesEntries() {
        List.of("a", "b", "c").forEach((key) -> this.map.put(key, NODES.stringNode(key)));

        Iterator<Map.Entry<String, JsonNode>> entries = this.map.entrySet().iterator();
        entries.next();
        entries.remove();
        entries.next();
        entries.next();
        entries.remove();
        this.map.put("d", NODES.stringNode("d"));

        assertThat(this.map.keySet()).containsExactly("b", "d");
    }

    @Test
    void equalsAMapWithTheSameEntries() {
        Map<String, JsonNode> expected = new LinkedHashMap<>();
        expected.put("a", NODES.numberNode(1));
        expected.put("b", NODES.stringNode("two"));
        this.map.putAll(expected);

        assertThat(this.map).isEqualTo(expected);
        assertThat(this.map.hashCode()).isEqualTo(expected.hashCode());
    }

    @Test
    void keepsOrderWhenItOutgrowsTheList() {
        int count = CompactObjectMap.MAX_ARRAY_ENTRIES + 5;
        IntStream.range(0, count).forEach((i) -> this.map.put("key-" + i, NODES.numberNode(i)));

        assertThat(this.map).hasSize(count);
        assertThat(this.map.keySet()).first().isEqualTo("key-0");
        assertThat(this.map.get("key-" + (count - 1))).isEqualTo(NODES.numberNode(count - 1));
    }

    @Test
    void readsAPlainValueAsItsNode() {
        this.map.putValue("text", "value");
        this.map.putValue("number", 3);

        assertThat(this.map).containsEntry("text", NODES.stringNode("value")).containsEntry("number", NODES.numberNode(3));
    }

    @Test
    void entrySetValueWritesThrough() {
        this.map.putValue("a", "one");
        this.map.putValue("b", "two");

        Map.Entry<String, JsonNode> first = this.map.entrySet().iterator().next();
        JsonNode previous = first.setValue(NODES.stringNode("changed"));

        assertThat(previous).isEqualTo(NODES.stringNode("one"));
        assertThat(this.map.get("a")).isEqualTo(NODES.stringNode("changed"));
    }

}
