package io.tuneforge.shared.dataset.parquet;

/**
 * A leaf column of the schema, with what decoding its values needs.
 *
 * @param name          the column's path joined with dots ({@code conversations.list.element.from})
 * @param type          physical type: 0 BOOLEAN, 1 INT32, 2 INT64, 3 INT96, 4 FLOAT, 5 DOUBLE, 6 BYTE_ARRAY,
 *                      7 FIXED_LEN_BYTE_ARRAY
 * @param typeLength    byte length of FIXED_LEN_BYTE_ARRAY values
 * @param text          whether BYTE_ARRAY values are annotated as text (STRING, ENUM, JSON): decoded as UTF-8;
 *                      other bytes become text when they are valid UTF-8, else Base64
 * @param maxDefinition the definition level of a present value (count of optional and repeated nodes on the path)
 * @param maxRepetition the highest repetition level (count of repeated nodes on the path)
 */
record Leaf(String name, int type, int typeLength, boolean text, int maxDefinition, int maxRepetition) {

    static final int BOOLEAN = 0;
    static final int INT32 = 1;
    static final int INT64 = 2;
    static final int INT96 = 3;
    static final int FLOAT = 4;
    static final int DOUBLE = 5;
    static final int BYTE_ARRAY = 6;
    static final int FIXED_LEN_BYTE_ARRAY = 7;
}
