// A VecVault client in Node.js with @grpc/grpc-js, built from the .proto files alone (no generated code).
// VECVAULT_ADDRESS (host:port) and VECVAULT_API_KEY (a tenant key) say where and as whom. Exits non-zero on any
// mismatch, printing what differed.
import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../proto");
const definition = protoLoader.loadSync(["vecvault/v1/vector_service.proto"], {
  includeDirs: [root], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true,
});
const { VectorService } = grpc.loadPackageDefinition(definition).vecvault.v1;

const address = process.env.VECVAULT_ADDRESS ?? "127.0.0.1:50051";
const apiKey = process.env.VECVAULT_API_KEY ?? assert.fail("VECVAULT_API_KEY is not set");
const client = new VectorService(address, grpc.credentials.createInsecure());
const call = (method, request) => new Promise((resolve, reject) => {
  const metadata = new grpc.Metadata();
  metadata.set("authorization", `Bearer ${apiKey}`);
  client[method](request, metadata, { deadline: Date.now() + 30_000 }, (error, response) => (error ? reject(error) : resolve(response)));
});

const dimension = 8;
const vectorOf = (i) => Array.from({ length: dimension }, (_, d) => Math.sin(i * 7.1 + d * 1.3));
const collection = "node-docs";

await call("CreateCollection", { name: collection, config: { dimension, metric: "METRIC_L2" } });
const points = Array.from({ length: 200 }, (_, i) => ({
  id: { num: String(i + 1) },
  vector: { data: vectorOf(i + 1) },
  payload: { parity: { string_value: (i + 1) % 2 === 0 ? "even" : "odd" } },
}));
const upserted = await call("Upsert", { collection, points });
assert.equal(upserted.upserted, "200");
assert.equal((await call("Count", { collection })).count, "200");

// Each point's own vector finds it first, at distance ~0; floats survive the wire exactly.
for (const id of [1, 57, 200]) {
  const response = await call("Search", { collection, vector: { data: vectorOf(id) }, k: 5, params: { exact: true }, with_vectors: true });
  assert.equal(response.results.length, 5);
  assert.equal(response.results[0].id.num, String(id));
  assert.ok(response.results[0].score < 1e-6, `score ${response.results[0].score}`);
  assert.deepEqual(response.results[0].vector.data, Array.from(new Float32Array(vectorOf(id))));
}

// A filtered search returns only matching points; a bad request is INVALID_ARGUMENT and writes nothing.
const even = await call("Search", {
  collection, vector: { data: vectorOf(3) }, k: 10, with_payload: { enable: true },
  filter: { must: [{ field: { key: "parity", match: { keyword: "even" } } }] },
});
assert.equal(even.results.length, 10);
for (const hit of even.results) assert.equal(hit.payload.parity.string_value, "even");
await assert.rejects(call("Upsert", { collection, points: [{ id: { num: "999" }, vector: { data: [1, 2] } }] }), (error) => error.code === grpc.status.INVALID_ARGUMENT);
assert.equal((await call("Count", { collection })).count, "200");

const deleted = await call("Delete", { collection, ids: { ids: [{ num: "1" }, { num: "2" }] } });
assert.equal(deleted.deleted, "2");
assert.equal((await call("Count", { collection })).count, "198");
await call("DeleteCollection", { name: collection });
client.close();
console.log("node client: ok");
