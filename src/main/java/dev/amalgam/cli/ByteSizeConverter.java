package dev.amalgam.cli;

import picocli.CommandLine;

import java.util.Locale;

/**
 * Parses sizes as mergekit's {@code --out-shard-size} does: a number with an optional decimal suffix
 * K, M, B (billion, mergekit's spelling) or G (10^3, 10^6, 10^9, 10^9).
 */
public final class ByteSizeConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        String v = value.trim().toUpperCase(Locale.ROOT);
        long factor = 1;
        char last = v.isEmpty() ? ' ' : v.charAt(v.length() - 1);
        switch (last) {
            case 'K' -> factor = 1_000L;
            case 'M' -> factor = 1_000_000L;
            case 'B', 'G' -> factor = 1_000_000_000L;
            default -> { }
        }
        String number = factor == 1 ? v : v.substring(0, v.length() - 1);
        try {
            double n = Double.parseDouble(number);
            if (!(n > 0)) {
                throw new CommandLine.TypeConversionException("size must be positive: '" + value + "'");
            }
            return (long) (n * factor);
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("expected a size like 5B, 500M or 1000000, got '" + value + "'");
        }
    }
}
