package io.eventrouter.benchmarks;

import java.util.HashMap;
import java.util.Map;

/**
 * Command-line options of the form {@code --name value}, as the load script passes them.
 */
public final class Arguments {

    private final Map<String, String> values = new HashMap<>();

    private Arguments(String[] args) {
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("Expected options as '--name value' pairs, but got '"
                        + String.join(" ", args) + "'");
            }
            this.values.put(args[i].substring(2), args[i + 1]);
        }
    }

    public static Arguments parse(String[] args) {
        return new Arguments(args);
    }

    public int intValue(String name, int defaultValue) {
        String value = this.values.get(name);
        if (value == null) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(value);
        }
        catch (NumberFormatException ex) {
            throw new IllegalArgumentException("--" + name + " must be an integer, but was '" + value + "'", ex);
        }
    }

}
