package io.tuneforge.shared.dataset.parquet;

import io.tuneforge.shared.dataset.parquet.FileMetadata.SchemaElement;
import java.util.ArrayList;
import java.util.List;

/**
 * The top-level columns of a Parquet schema in the shapes dataset tables use, each tied to its leaf columns: a value
 * ({@code optional binary instruction (STRING)}), a record of values ({@code optional group meta { source; turns }}),
 * a list of values ({@code tags: list<string>}) or a list of records (ShareGPT's
 * {@code conversations: list<struct<from, value>>}), lists in the standard three-level layout or the legacy two-level
 * one. Deeper nesting and maps are refused naming the column.
 *
 * @param columns the top-level columns in schema order
 * @param leaves  every leaf column in schema order (the order of a row group's column chunks)
 */
record TableShape(List<Column> columns, List<Leaf> leaves) {

    private static final int REQUIRED = 0;
    private static final int OPTIONAL = 1;
    private static final int REPEATED = 2;

    /** A top-level column. */
    sealed interface Column {
        /** The column's name. */
        String name();
    }

    /**
     * A column of plain values.
     *
     * @param name the column's name
     * @param leaf index of its leaf column
     */
    record Value(String name, int leaf) implements Column {
    }

    /**
     * A column of records of values.
     *
     * @param name             the column's name
     * @param recordDefinition definition level from which the record is present (below it the record is null)
     * @param fields           the record's fields
     */
    record Struct(String name, int recordDefinition, List<Value> fields) implements Column {
    }

    /**
     * A column of lists.
     *
     * @param name              the column's name
     * @param listDefinition    definition level from which the list is present (below: null list)
     * @param entryDefinition   definition level from which the list has an entry in this slot (below: empty list)
     * @param elementDefinition definition level from which the entry is present (below: null element)
     * @param element           leaf index of a list of values, or {@code -1} for a list of records
     * @param fields            the fields of a list of records (empty for a list of values)
     */
    record ListColumn(String name, int listDefinition, int entryDefinition, int elementDefinition, int element,
            List<Value> fields) implements Column {
    }

    /** The shape of a schema flattened depth first (root first). */
    static TableShape of(List<SchemaElement> schema) {
        if (schema.isEmpty()) {
            throw new ParquetException("the footer has no schema");
        }
        Node root = new Builder(schema).node(0, 0, 0, "");
        List<Column> columns = new ArrayList<>();
        List<Leaf> leaves = new ArrayList<>();
        for (Node child : root.children) {
            columns.add(column(child, leaves));
        }
        return new TableShape(List.copyOf(columns), List.copyOf(leaves));
    }

    /** A schema node with the levels of its path. */
    private record Node(SchemaElement element, List<Node> children, int definition, int repetition, String path) {
        boolean leaf() {
            return element.numChildren() == 0 && element.type() >= 0;
        }

        boolean annotated(int converted, int logical) {
            return element.convertedType() == converted || element.logicalType() == logical;
        }
    }

    /** Rebuilds the tree from the flat, depth-first list. */
    private static final class Builder {
        private final List<SchemaElement> schema;
        private int next;

        Builder(List<SchemaElement> schema) {
            this.schema = schema;
        }

        Node node(int depth, int parentDefinition, int parentRepetition, String parentPath) {
            if (next >= schema.size() || depth > 64) {
                throw new ParquetException("the schema in the footer is damaged (its children counts do not add up)");
            }
            SchemaElement element = schema.get(next++);
            int definition = parentDefinition + (depth > 0 && element.repetition() != REQUIRED ? 1 : 0);
            int repetition = parentRepetition + (depth > 0 && element.repetition() == REPEATED ? 1 : 0);
            String path = depth == 0 ? "" : parentPath.isEmpty() ? element.name() : parentPath + "." + element.name();
            List<Node> children = new ArrayList<>();
            for (int i = 0; i < element.numChildren(); i++) {
                children.add(node(depth + 1, definition, repetition, path));
            }
            return new Node(element, children, definition, repetition, path);
        }
    }

    private static Column column(Node node, List<Leaf> leaves) {
        String name = node.element().name();
        if (node.annotated(1, 2) || node.annotated(2, -2)) {
            throw nested(name, "is a map");
        }
        if (node.leaf()) {
            if (node.element().repetition() == REPEATED) {             // a bare repeated value: a list never null
                int leaf = addLeaf(node, leaves);
                return new ListColumn(name, 0, node.definition(), node.definition(), leaf, List.of());
            }
            return new Value(name, addLeaf(node, leaves));
        }
        if (node.element().repetition() == REPEATED) {
            throw nested(name, "is a repeated group");
        }
        if (node.annotated(3, 3)) {
            return list(node, leaves);
        }
        return new Struct(name, node.definition(), fields(node, name, leaves));
    }

    /** A LIST group: {@code <list> { repeated group list { <element> } }}, or the legacy two-level layouts. */
    private static Column list(Node node, List<Leaf> leaves) {
        String name = node.element().name();
        if (node.children().size() != 1 || node.children().getFirst().element().repetition() != REPEATED) {
            throw nested(name, "is a list whose layout is not the standard one");
        }
        Node repeated = node.children().getFirst();
        if (repeated.leaf()) {                                          // legacy: repeated binary element
            return new ListColumn(name, node.definition(), repeated.definition(), repeated.definition(),
                    addLeaf(repeated, leaves), List.of());
        }
        if (repeated.children().isEmpty()) {
            throw nested(name, "is a list whose entries have no fields");
        }
        String repeatedName = repeated.element().name();
        boolean legacyRecord = repeated.children().size() > 1 || repeatedName.equals("array")
                || repeatedName.equals(name + "_tuple");
        Node element = legacyRecord ? repeated : repeated.children().getFirst();
        if (element.leaf()) {
            return new ListColumn(name, node.definition(), repeated.definition(), element.definition(),
                    addLeaf(element, leaves), List.of());
        }
        if (element.annotated(3, 3) || element.annotated(1, 2)) {
            throw nested(name, "is a list of lists or maps");
        }
        return new ListColumn(name, node.definition(), repeated.definition(), element.definition(), -1,
                fields(element, name, leaves));
    }

    /** The fields of a record whose children must all be plain values. */
    private static List<Value> fields(Node group, String column, List<Leaf> leaves) {
        if (group.children().isEmpty()) {
            throw nested(column, "is a group without fields");
        }
        List<Value> fields = new ArrayList<>();
        for (Node child : group.children()) {
            if (!child.leaf() || child.element().repetition() == REPEATED) {
                throw nested(column, "nests '" + child.path() + "' deeper than a record of values");
            }
            fields.add(new Value(child.element().name(), addLeaf(child, leaves)));
        }
        return List.copyOf(fields);
    }

    private static int addLeaf(Node node, List<Leaf> leaves) {
        SchemaElement e = node.element();
        boolean text = e.convertedType() == 0 || e.convertedType() == 4 || e.convertedType() == 19
                || e.logicalType() == 1 || e.logicalType() == 4 || e.logicalType() == 12;
        leaves.add(new Leaf(node.path(), e.type(), e.typeLength(), text, node.definition(), node.repetition()));
        return leaves.size() - 1;
    }

    private static ParquetException nested(String column, String what) {
        return new ParquetException("nested column '" + column + "' " + what + ", which is not supported; values, "
                + "records of values, lists of values and lists of records (ShareGPT conversations) are read. "
                + "Flatten it first, e.g. with pandas: df = pd.read_parquet('in.parquet'), then write the column as "
                + "JSON text or upload df.to_json('data.jsonl', orient='records', lines=True, force_ascii=False)");
    }
}
