package io.tuneforge.shared.dataset.parquet;

/**
 * The header before each page of a column chunk ({@code PageHeader} in parquet.thrift, with its data, dictionary and
 * v2 data page headers folded in).
 *
 * @param type                 0 data page, 1 index page, 2 dictionary page, 3 data page v2 (field 1)
 * @param uncompressedSize     bytes of the page once decompressed (field 2)
 * @param compressedSize       bytes of the page in the file (field 3)
 * @param numValues            values in the page, nulls included (num_values of the page's own header)
 * @param encoding             encoding of the values (0 PLAIN, 2 PLAIN_DICTIONARY, 3 RLE, 8 RLE_DICTIONARY, ...)
 * @param definitionEncoding   encoding of a v1 page's definition levels (3 RLE, 4 BIT_PACKED)
 * @param repetitionEncoding   encoding of a v1 page's repetition levels
 * @param definitionByteLength bytes of a v2 page's definition levels (stored uncompressed)
 * @param repetitionByteLength bytes of a v2 page's repetition levels (stored uncompressed)
 * @param compressed           whether a v2 page's values are compressed (default true)
 */
record PageHeader(int type, int uncompressedSize, int compressedSize, int numValues, int encoding,
        int definitionEncoding, int repetitionEncoding, int definitionByteLength, int repetitionByteLength,
        boolean compressed) {

    static final int DATA_PAGE = 0;
    static final int DICTIONARY_PAGE = 2;
    static final int DATA_PAGE_V2 = 3;

    static PageHeader read(ThriftCompactReader in) {
        int[] f = {-1, 0, 0, 0, 0, 3, 3, 0, 0};
        boolean[] compressed = {true};
        in.readStruct((id, type) -> {
            switch (id) {
                case 1 -> f[0] = in.readI32();
                case 2 -> f[1] = in.readI32();
                case 3 -> f[2] = in.readI32();
                case 5, 7 -> in.readStruct((sub, subType) -> {         // DataPageHeader, DictionaryPageHeader
                    switch (sub) {
                        case 1 -> f[3] = in.readI32();
                        case 2 -> f[4] = in.readI32();
                        case 3 -> {
                            if (id == 5) {
                                f[5] = in.readI32();
                            } else {
                                in.skip(subType);                      // is_sorted
                            }
                        }
                        case 4 -> f[6] = in.readI32();
                        default -> in.skip(subType);
                    }
                });
                case 8 -> in.readStruct((sub, subType) -> {            // DataPageHeaderV2
                    switch (sub) {
                        case 1 -> f[3] = in.readI32();
                        case 4 -> f[4] = in.readI32();
                        case 5 -> f[7] = in.readI32();
                        case 6 -> f[8] = in.readI32();
                        case 7 -> compressed[0] = in.readBool(subType);
                        default -> in.skip(subType);
                    }
                });
                default -> in.skip(type);
            }
        });
        return new PageHeader(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], compressed[0]);
    }
}
