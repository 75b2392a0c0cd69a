package io.tuneforge.shared.dataset.parquet;

import io.tuneforge.shared.dataset.parquet.TableShape.Column;
import io.tuneforge.shared.dataset.parquet.TableShape.ListColumn;
import io.tuneforge.shared.dataset.parquet.TableShape.Struct;
import io.tuneforge.shared.dataset.parquet.TableShape.Value;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns the decoded leaf columns of a row group back into rows, as JSON objects shaped like the JSON readers' records
 * (the Dremel record assembly for the shapes {@link TableShape} accepts): a slot whose definition level is the
 * maximum holds the next value; a lower level says which ancestor is null or empty; repetition level 0 starts a row.
 */
final class RowAssembler {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private RowAssembler() {
    }

    /** The group's rows; {@code data} holds one decoded column per leaf of {@code shape}. */
    static List<ObjectNode> rows(TableShape shape, List<ColumnData> data, int rowCount) {
        List<ObjectNode> rows = new ArrayList<>(rowCount);
        for (int i = 0; i < rowCount; i++) {
            rows.add(NODES.objectNode());
        }
        for (Column column : shape.columns()) {
            List<JsonNode> values = switch (column) {
                case Value value -> values(shape, data, value.leaf(), rowCount);
                case Struct struct -> structs(shape, data, struct, rowCount);
                case ListColumn list -> lists(shape, data, list, rowCount);
            };
            for (int i = 0; i < rowCount; i++) {
                rows.get(i).set(column.name(), values.get(i));
            }
        }
        return rows;
    }

    /** One value (or null) per row of a non-repeated leaf. */
    private static List<JsonNode> values(TableShape shape, List<ColumnData> data, int leafIndex, int rowCount) {
        Leaf leaf = shape.leaves().get(leafIndex);
        ColumnData column = rowAligned(data.get(leafIndex), leaf, rowCount);
        List<JsonNode> values = new ArrayList<>(rowCount);
        int next = 0;
        for (int slot = 0; slot < rowCount; slot++) {
            boolean present = column.definitionAt(slot, leaf.maxDefinition()) == leaf.maxDefinition();
            values.add(present ? value(column, next++, leaf) : NODES.nullNode());
        }
        return values;
    }

    private static List<JsonNode> structs(TableShape shape, List<ColumnData> data, Struct struct, int rowCount) {
        List<List<JsonNode>> fields = new ArrayList<>();
        for (Value field : struct.fields()) {
            fields.add(values(shape, data, field.leaf(), rowCount));
        }
        int firstLeaf = struct.fields().getFirst().leaf();
        Leaf first = shape.leaves().get(firstLeaf);
        ColumnData firstData = data.get(firstLeaf);
        List<JsonNode> records = new ArrayList<>(rowCount);
        for (int row = 0; row < rowCount; row++) {
            if (firstData.definitionAt(row, first.maxDefinition()) < struct.recordDefinition()) {
                records.add(NODES.nullNode());
                continue;
            }
            ObjectNode record = NODES.objectNode();
            for (int f = 0; f < fields.size(); f++) {
                record.set(struct.fields().get(f).name(), fields.get(f).get(row));
            }
            records.add(record);
        }
        return records;
    }

    private static List<JsonNode> lists(TableShape shape, List<ColumnData> data, ListColumn list, int rowCount) {
        if (list.element() >= 0) {
            List<List<JsonNode>> entries = entries(shape, data, list, list.element(), rowCount);
            List<JsonNode> lists = new ArrayList<>(rowCount);
            for (List<JsonNode> row : entries) {
                lists.add(row == null ? NODES.nullNode() : array(row));
            }
            return lists;
        }
        List<List<List<JsonNode>>> fields = new ArrayList<>();
        for (Value field : list.fields()) {
            fields.add(entries(shape, data, list, field.leaf(), rowCount));
        }
        List<JsonNode> lists = new ArrayList<>(rowCount);
        for (int row = 0; row < rowCount; row++) {
            List<JsonNode> firstRow = fields.getFirst().get(row);
            if (firstRow == null) {
                lists.add(NODES.nullNode());
                continue;
            }
            ArrayNode array = NODES.arrayNode();
            for (int entry = 0; entry < firstRow.size(); entry++) {
                if (firstRow.get(entry) == null) {              // the record itself is null
                    array.addNull();
                    continue;
                }
                ObjectNode record = NODES.objectNode();
                for (int f = 0; f < fields.size(); f++) {
                    List<JsonNode> cells = fields.get(f).get(row);
                    if (cells == null || cells.size() != firstRow.size()) {
                        throw new IllegalStateException("the fields of list column '" + list.name()
                                + "' disagree on the length of row " + row + "'s list");
                    }
                    record.set(list.fields().get(f).name(), cells.get(entry));
                }
                array.add(record);
            }
            lists.add(array);
        }
        return lists;
    }

    /**
     * Per row, the entries of one leaf inside a list: {@code null} for a null list, else one cell per entry holding the
     * value, JSON null for a missing value, or Java {@code null} for a null element (of a list of records).
     */
    private static List<List<JsonNode>> entries(TableShape shape, List<ColumnData> data, ListColumn list,
            int leafIndex, int rowCount) {
        Leaf leaf = shape.leaves().get(leafIndex);
        ColumnData column = data.get(leafIndex);
        List<List<JsonNode>> rows = new ArrayList<>(rowCount);
        List<JsonNode> current = null;
        int next = 0;
        for (int slot = 0; slot < column.slots(); slot++) {
            int definition = column.definitionAt(slot, leaf.maxDefinition());
            if (column.repetitionAt(slot) == 0) {
                current = definition < list.listDefinition() ? null : new ArrayList<>();
                rows.add(current);
                if (definition < list.entryDefinition()) {
                    continue;                                   // null or empty list
                }
            } else if (current == null) {
                throw new IllegalStateException("column '" + leaf.name() + "' continues a list that was never begun");
            }
            if (definition < list.elementDefinition()) {
                current.add(list.element() >= 0 ? NODES.nullNode() : null);
            } else if (definition == leaf.maxDefinition()) {
                current.add(value(column, next++, leaf));
            } else {
                current.add(NODES.nullNode());
            }
        }
        if (rows.size() != rowCount) {
            throw new IllegalStateException("column '" + leaf.name() + "' holds " + rows.size() + " rows, its row "
                    + "group " + rowCount);
        }
        return rows;
    }

    private static ColumnData rowAligned(ColumnData column, Leaf leaf, int rowCount) {
        if (column.slots() != rowCount) {
            throw new IllegalStateException("column '" + leaf.name() + "' holds " + column.slots() + " values, its "
                    + "row group " + rowCount + " rows");
        }
        return column;
    }

    private static JsonNode value(ColumnData column, int index, Leaf leaf) {
        if (index >= column.values().length) {
            throw new IllegalStateException("column '" + leaf.name() + "' has fewer values than its levels say");
        }
        return column.values()[index];
    }

    private static ArrayNode array(List<JsonNode> values) {
        ArrayNode array = NODES.arrayNode();
        values.forEach(array::add);
        return array;
    }
}
