package dev.amalgam.eval;

import dev.amalgam.BadInputException;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rows of a parquet file as the JSON reader gives them: strings, numbers, booleans, nested structs as maps and
 * LIST columns as lists, so a hub row {@code choices: {text: [...], label: [...]}} is the same document as its
 * {@code .jsonl} form. Read with parquet-hadoop's Hadoop-free file API and {@link ParquetCodecs}.
 */
final class ParquetRows {
    private ParquetRows() {
    }

    static List<Map<String, Object>> read(Path file) {
        ParquetReadOptions options = ParquetReadOptions.builder(new PlainParquetConfiguration())
                .withCodecFactory(ParquetCodecs.INSTANCE).build();
        List<Map<String, Object>> rows = new ArrayList<>();
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file), options)) {
            MessageType schema = reader.getFooter().getFileMetaData().getSchema();
            PageReadStore pages;
            while ((pages = reader.readNextRowGroup()) != null) {
                RecordReader<Group> records = new ColumnIOFactory().getColumnIO(schema).getRecordReader(pages, new GroupRecordConverter(schema));
                for (long r = 0; r < pages.getRowCount(); r++) {
                    rows.add(struct(records.read()));
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new BadInputException(file + ": not a readable parquet file (" + e.getMessage() + ")", e);
        }
        return List.copyOf(rows);
    }

    private static Map<String, Object> struct(Group group) {
        Map<String, Object> out = new LinkedHashMap<>();
        GroupType type = group.getType();
        for (int f = 0; f < type.getFieldCount(); f++) {
            Type field = type.getType(f);
            int count = group.getFieldRepetitionCount(f);
            if (field.isRepetition(Type.Repetition.REPEATED)) { // a bare repeated field (no LIST annotation): a list
                List<Object> values = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    values.add(value(group, f, i));
                }
                out.put(field.getName(), values);
            } else {
                out.put(field.getName(), count == 0 ? null : value(group, f, 0));
            }
        }
        return out;
    }

    private static Object value(Group group, int field, int index) {
        Type type = group.getType().getType(field);
        if (type.isPrimitive()) {
            return primitive(group, field, index, type.asPrimitiveType());
        }
        Group child = group.getGroup(field, index);
        if (type.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation) {
            return list(child);
        }
        return struct(child);
    }

    /** A LIST column: {@code group (LIST) { repeated group list { element } }} (or the legacy one-field forms). */
    private static List<Object> list(Group listGroup) {
        List<Object> out = new ArrayList<>();
        GroupType repeated = listGroup.getType();
        for (int i = 0; i < listGroup.getFieldRepetitionCount(0); i++) {
            Type item = repeated.getType(0);
            if (item.isPrimitive()) {
                out.add(value(listGroup, 0, i));
            } else {
                Group entry = listGroup.getGroup(0, i);
                if (entry.getType().getFieldCount() == 1) {
                    out.add(entry.getFieldRepetitionCount(0) == 0 ? null : value(entry, 0, 0));
                } else {
                    out.add(struct(entry));
                }
            }
        }
        return Collections.unmodifiableList(out);
    }

    private static Object primitive(Group group, int field, int index, PrimitiveType type) {
        return switch (type.getPrimitiveTypeName()) {
            case BINARY, FIXED_LEN_BYTE_ARRAY -> group.getString(field, index);
            case INT32 -> (long) group.getInteger(field, index);
            case INT64 -> group.getLong(field, index);
            case BOOLEAN -> group.getBoolean(field, index);
            case FLOAT -> (double) group.getFloat(field, index);
            case DOUBLE -> group.getDouble(field, index);
            case INT96 -> throw new BadInputException("parquet column '" + type.getName() + "' is INT96 (a legacy timestamp), not task data");
        };
    }
}
