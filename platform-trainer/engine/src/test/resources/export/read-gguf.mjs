// Reads a GGUF file with the independent npm parser @huggingface/gguf and prints one JSON document:
// { version, tensorDataOffset, metadata: { key: { type, value } }, tensors: [ { name, shape, dtype, offset } ] }.
// Usage: node read-gguf.mjs <path to node_modules/@huggingface/gguf> <file.gguf>
import { pathToFileURL } from "node:url";
import path from "node:path";

const [pkgDir, file] = process.argv.slice(2);
const { gguf } = await import(pathToFileURL(path.join(pkgDir, "dist", "index.mjs")).href);
const parsed = await gguf(path.resolve(file), { allowLocalFile: true, typedMetadata: true });
const plain = (v) => (typeof v === "bigint" ? v.toString() : Array.isArray(v) ? v.map(plain) : v);
const metadata = {};
for (const [key, entry] of Object.entries(parsed.typedMetadata)) {
  metadata[key] = { type: entry.type, subType: entry.subType ?? null, value: plain(entry.value) };
}
const tensors = parsed.tensorInfos.map((t) => ({
  name: t.name, shape: t.shape.map((d) => d.toString()), dtype: t.dtype, offset: t.offset.toString(),
}));
process.stdout.write(JSON.stringify({ tensorDataOffset: parsed.tensorDataOffset.toString(), metadata, tensors }));
