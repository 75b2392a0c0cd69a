"""Writes the Parquet fixtures of ParquetReaderTest and, beside each, the rows pyarrow reads from it as JSON.

Run from the repository root with pyarrow installed:
    python platform-core/shared/src/test/python/parquet_fixtures.py
Each fixture covers one feature of the format the pure-Java reader must decode (codecs, page versions, dictionary
and plain encodings, nullable and nested columns, several row groups and pages); the Java test compares the reader's
rows with the JSON, value for value.
"""
import json
import os
import shutil

import pyarrow as pa
import pyarrow.parquet as pq

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "parquet")
ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "..")
# Modules whose tests upload or train on a Parquet file get their own copies (test resources are per module).
MODULE_FIXTURES = {
    "platform-core/src/test/resources/parquet": ["alpaca-snappy", "sharegpt-clean"],
    "platform-trainer/engine/src/test/resources/parquet": ["alpaca-snappy", "sharegpt-clean"],
    "platform-trainer/src/test/resources/parquet": ["sharegpt-clean"],
    "platform-web/src/test/resources/parquet": ["alpaca-snappy"],
}

ALPACA = [
    {"instruction": "Translate to French", "input": "Good morning", "output": "Bonjour"},
    {"instruction": "Sum the numbers", "input": "2 and 3", "output": "5"},
    {"instruction": "Name a colour", "input": "", "output": "Blue"},
    {"instruction": "写一句问候", "input": "", "output": "你好，世界 👋"},
    {"instruction": "Translate to French", "input": "Good night", "output": "Bonne nuit"},
]


def write(name, table, **options):
    path = os.path.join(OUT, name + ".parquet")
    pq.write_table(table, path, **options)
    rows = pq.read_table(path).to_pylist()
    with open(os.path.join(OUT, name + ".json"), "w", encoding="utf-8") as f:
        f.write("[\n" + ",\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n]\n")


def sharegpt_clean_table():
    """A valid ShareGPT dataset as Hugging Face stores one: conversations as list<struct<from, value>>."""
    turn = pa.struct([("from", pa.string()), ("value", pa.string())])
    return pa.table({"conversations": pa.array([
        [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello! How can I help?"}],
        [{"from": "system", "value": "Be brief"}, {"from": "human", "value": "2+2?"}, {"from": "gpt", "value": "4"}],
        [{"from": "human", "value": "Name a colour"}, {"from": "gpt", "value": "Blue"}],
    ], pa.list_(turn))})


def copy_to_modules():
    for folder, names in MODULE_FIXTURES.items():
        target = os.path.join(ROOT, folder)
        os.makedirs(target, exist_ok=True)
        for name in names:
            shutil.copyfile(os.path.join(OUT, name + ".parquet"), os.path.join(target, name + ".parquet"))


def write_refused(name, table, **options):
    """A file the reader must refuse with a clear message (no expected rows)."""
    pq.write_table(table, os.path.join(OUT, name + ".parquet"), **options)


def alpaca_table():
    return pa.Table.from_pylist(ALPACA)


def typed_table(count):
    """Every flat physical type, with nulls in the optional columns."""
    return pa.table({
        "id": pa.array(range(count), pa.int64()),
        "score": pa.array([None if i % 3 == 0 else i * 0.25 for i in range(count)], pa.float64()),
        "weight": pa.array([i * 0.5 for i in range(count)], pa.float32()),
        "label": pa.array([None if i % 4 == 1 else i % 7 for i in range(count)], pa.int32()),
        "accepted": pa.array([None if i % 5 == 2 else i % 2 == 0 for i in range(count)], pa.bool_()),
        "text": pa.array([None if i % 6 == 3 else "row %d %s" % (i, "ab" * (i % 5)) for i in range(count)]),
        "split": pa.array(["train" if i % 10 else "test" for i in range(count)]),
    })


def sharegpt_table():
    turn = pa.struct([("from", pa.string()), ("value", pa.string())])
    return pa.table({
        "conversations": pa.array([
            [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello! How can I help?"}],
            [{"from": "system", "value": "Be brief"}, {"from": "human", "value": "2+2?"}, {"from": "gpt", "value": "4"}],
            [],
            None,
            [{"from": "human", "value": None}, None, {"from": "gpt", "value": "…"}],
        ], pa.list_(turn)),
        "tags": pa.array([["a", "b"], [], None, ["c", None], ["d"]], pa.list_(pa.string())),
        "meta": pa.array([{"source": "x", "turns": 2}, None, {"source": None, "turns": 0},
                          {"source": "y", "turns": 1}, {"source": "z", "turns": 3}],
                         pa.struct([("source", pa.string()), ("turns", pa.int32())])),
    })


def main():
    os.makedirs(OUT, exist_ok=True)
    for codec in ["none", "snappy", "gzip", "zstd"]:
        write("alpaca-" + codec, alpaca_table(), compression=codec)
    write("alpaca-plain", alpaca_table(), compression="snappy", use_dictionary=False)
    write("typed-dictionary", typed_table(200), compression="snappy", use_dictionary=True)
    write("typed-plain", typed_table(200), compression="none", use_dictionary=False)
    write("typed-page-v2", typed_table(200), compression="zstd", data_page_version="2.0")
    write("typed-row-groups", typed_table(1000), compression="snappy", row_group_size=300, data_page_size=512)
    write("sharegpt-nested", sharegpt_table(), compression="snappy")
    write("sharegpt-nested-v2", sharegpt_table(), compression="none", data_page_version="2.0",
          use_dictionary=False)
    write("sharegpt-clean", sharegpt_clean_table(), compression="zstd")
    write_refused("refused-lz4", alpaca_table(), compression="lz4")
    write_refused("refused-delta", alpaca_table(), compression="none", use_dictionary=False,
                  column_encoding={"output": "DELTA_BYTE_ARRAY"})
    write_refused("refused-map", pa.table({"attributes": pa.array([[("k", "v")]], pa.map_(pa.string(), pa.string()))}))

    copy_to_modules()


if __name__ == "__main__":
    main()
