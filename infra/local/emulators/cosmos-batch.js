/*
 * Batch requests of the Cosmos DB .NET SDK (bulk execution, `AllowBulkExecution = true`, and TransactionalBatch) for the
 * local Cosmos emulator.
 *
 * The SDK sends one `POST dbs/{db}/colls/{coll}/docs` per partition-key range with `x-ms-cosmos-is-batch-request: True`
 * (and for bulk `x-ms-cosmos-batch-atomic: False`, `x-ms-cosmos-batch-continue-on-error: True`). Its body is a HybridRow
 * RecordIO stream: one segment header, then one record per operation, each a HybridRow of the `BatchOperation` schema.
 * The answer is the same kind of stream with one `BatchResult` row per operation (status, sub-status, etag, resource
 * body, request charge, retry-after). No JavaScript HybridRow package is served, so the format is hand-written here from
 * these sources:
 *   - Azure/azure-cosmos-dotnet-v3 Microsoft.Azure.Cosmos/src/Batch/HybridRowBatchSchemas.json (the two schemas),
 *     ItemBatchOperation.cs (WriteOperation: which fields an operation carries), ServerBatchRequest.cs (the RecordIO
 *     stream), TransactionalBatchOperationResult.cs (ReadOperationResult) and TransactionalBatchResponse.cs
 *     (FromResponseMessageAsync: 200 / 207 Multi-Status, the first byte 0x81 marks a HybridRow body).
 *   - microsoft/HybridRow src/Serialization/HybridRow: Docs/Grammar.md and Docs/RecordIO.md, Layouts/LayoutBuilder.cs
 *     (presence bits, then fixed fields, then length-prefixed variable fields), Layouts/StringTokenizer.cs and
 *     RowBuffer.cs (sparse fields: type code, path token, value), RecordIO/RecordIOParser.cs and
 *     SystemSchemas/SystemSchema.json (the Segment and Record header rows, CRC-32 of each record body).
 *
 * Each operation is executed by the emulator as the single request it stands for (the caller's `execute`), so item
 * limits, refusals, injected faults and time to live apply to it exactly as to a single request.
 */
"use strict";

const zlib = require("zlib");

const HYBRID_ROW_V1 = 0x81;
const HEADER_SIZE = 5; // version byte + int32 schema id

// Layout codes (microsoft/HybridRow Layouts/LayoutCode.cs) of the types the batch schemas use.
const CODE = { Null: 1, BooleanFalse: 2, Boolean: 3, Int32: 7, UInt32: 11, Float64: 16, Utf8: 20, Binary: 21 };

// OperationType values of the SDK (Microsoft.Azure.Documents.OperationType) that a batch may carry.
const OPERATION = { 0: "create", 1: "patch", 2: "read", 4: "delete", 5: "replace", 20: "upsert" };

/**
 * A schema's row layout as LayoutBuilder compiles it: one presence bit per nullable fixed column and per variable column
 * (in declaration order), fixed columns after the bit bytes, and one path token per column (1..n, 0 is the empty path).
 */
function layout(schemaId, fixed, variable, sparse) {
  const bitBytes = Math.ceil((fixed.length + variable.length) / 8);
  const columns = [...fixed, ...variable, ...sparse];
  return {
    schemaId,
    bitBytes,
    size: bitBytes + 4 * fixed.length, // every fixed column here is a 4-byte int32 / uint32
    fixed,
    variable,
    tokenCount: columns.length + 1,
    tokenOf: Object.fromEntries(columns.map((name, i) => [name, i + 1])),
    nameOf: Object.fromEntries(columns.map((name, i) => [i + 1, name]))
  };
}

const OPERATION_LAYOUT = layout(
  2145473648,
  ["operationType", "resourceType"],
  ["partitionKey", "effectivePartitionKey", "id", "binaryId", "resourceBody"],
  ["indexingDirective", "ifMatch", "ifNoneMatch", "timeToLiveInSeconds", "minimalReturnPreference"]
);
const RESULT_LAYOUT = layout(
  2145473649,
  ["statusCode", "subStatusCode"],
  ["eTag", "resourceBody"],
  ["retryAfterMilliseconds", "requestCharge"]
);
const SEGMENT_SCHEMA_ID = 2147473648;
const RECORD_SCHEMA_ID = 2147473649;
const UTF8_FIELDS = new Set(["partitionKey", "id"]);

class BatchFormatError extends Error {}

function readVarUInt(buffer, offset) {
  let value = 0;
  let shift = 0;
  for (let i = offset; i < buffer.length && shift < 35; i += 1) {
    const byte = buffer[i];
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return { value, next: i + 1 };
    shift += 7;
  }
  throw new BatchFormatError("malformed variable-length integer");
}

function writeVarUInt(value) {
  const bytes = [];
  let v = value;
  do {
    let byte = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) byte |= 0x80;
    bytes.push(byte);
  } while (v > 0);
  return Buffer.from(bytes);
}

function readLengthPrefixed(buffer, offset) {
  const { value, next } = readVarUInt(buffer, offset);
  if (next + value > buffer.length) throw new BatchFormatError("a field runs past the end of its row");
  return { bytes: buffer.subarray(next, next + value), next: next + value };
}

/** Decodes one `BatchOperation` row into { operationType, partitionKey, id, resourceBody, ifMatch, ... }. */
function decodeOperation(row) {
  const l = OPERATION_LAYOUT;
  if (row.length < HEADER_SIZE + l.size || row[0] !== HYBRID_ROW_V1 || row.readInt32LE(1) !== l.schemaId) {
    throw new BatchFormatError("a record is not a BatchOperation row");
  }
  const present = bit => (row[HEADER_SIZE + (bit >> 3)] & (1 << (bit & 7))) !== 0;
  const operation = {};
  l.fixed.forEach((name, i) => {
    if (present(i)) operation[name] = row.readInt32LE(HEADER_SIZE + l.bitBytes + 4 * i);
  });
  let offset = HEADER_SIZE + l.size;
  l.variable.forEach((name, i) => {
    if (!present(l.fixed.length + i)) return;
    const { bytes, next } = readLengthPrefixed(row, offset);
    operation[name] = UTF8_FIELDS.has(name) ? bytes.toString("utf8") : bytes;
    offset = next;
  });
  while (offset < row.length) {
    const code = row[offset];
    const token = readVarUInt(row, offset + 1);
    offset = token.next;
    let name = l.nameOf[token.value];
    if (token.value >= l.tokenCount) {
      const length = token.value - l.tokenCount;
      name = row.subarray(offset, offset + length).toString("utf8");
      offset += length;
    }
    let value;
    switch (code) {
      case CODE.Null: value = null; break;
      case CODE.BooleanFalse: value = false; break;
      case CODE.Boolean: value = true; break;
      case CODE.Int32: value = row.readInt32LE(offset); offset += 4; break;
      case CODE.UInt32: value = row.readUInt32LE(offset); offset += 4; break;
      case CODE.Float64: value = row.readDoubleLE(offset); offset += 8; break;
      case CODE.Utf8:
      case CODE.Binary: {
        const field = readLengthPrefixed(row, offset);
        value = code === CODE.Utf8 ? field.bytes.toString("utf8") : field.bytes;
        offset = field.next;
        break;
      }
      default:
        throw new BatchFormatError(`unsupported sparse field type ${code}`);
    }
    if (name) operation[name] = value;
  }
  return operation;
}

/** Reads a RecordIO stream: segment headers are skipped, each record body (CRC-checked) is returned. */
function readRecords(body) {
  const records = [];
  let offset = 0;
  while (offset < body.length) {
    if (body.length - offset < HEADER_SIZE || body[offset] !== HYBRID_ROW_V1) throw new BatchFormatError("not a HybridRow RecordIO stream");
    const schemaId = body.readInt32LE(offset + 1);
    if (schemaId === SEGMENT_SCHEMA_ID) {
      // Segment: one presence bit byte, then int32 `length` = the whole segment row's length.
      if (body.length - offset < HEADER_SIZE + 5) throw new BatchFormatError("truncated segment header");
      const length = body.readInt32LE(offset + HEADER_SIZE + 1);
      if (length < HEADER_SIZE + 5 || offset + length > body.length) throw new BatchFormatError("bad segment length");
      offset += length;
    } else if (schemaId === RECORD_SCHEMA_ID) {
      // Record: int32 `length` and uint32 `crc32` (both non-nullable: no presence bits), then the record body.
      if (body.length - offset < HEADER_SIZE + 8) throw new BatchFormatError("truncated record header");
      const length = body.readInt32LE(offset + HEADER_SIZE);
      const crc = body.readUInt32LE(offset + HEADER_SIZE + 4);
      const start = offset + HEADER_SIZE + 8;
      if (length < 0 || start + length > body.length) throw new BatchFormatError("a record runs past the end of the body");
      const record = body.subarray(start, start + length);
      if (zlib.crc32(record) !== crc) throw new BatchFormatError("a record's CRC-32 does not match");
      records.push(record);
      offset = start + length;
    } else {
      throw new BatchFormatError(`unexpected row schema ${schemaId}`);
    }
  }
  return records;
}

/** Encodes one `BatchResult` row. */
function encodeResult({ statusCode, subStatusCode, eTag, resourceBody, requestCharge, retryAfterMilliseconds }) {
  const l = RESULT_LAYOUT;
  const fixed = Buffer.alloc(HEADER_SIZE + l.size);
  fixed[0] = HYBRID_ROW_V1;
  fixed.writeInt32LE(l.schemaId, 1);
  let bits = 0b0011; // statusCode, subStatusCode
  fixed.writeInt32LE(statusCode, HEADER_SIZE + l.bitBytes);
  fixed.writeInt32LE(subStatusCode || 0, HEADER_SIZE + l.bitBytes + 4);
  const parts = [fixed];
  if (eTag) {
    bits |= 0b0100;
    const bytes = Buffer.from(eTag, "utf8");
    parts.push(writeVarUInt(bytes.length), bytes);
  }
  if (resourceBody && resourceBody.length > 0) {
    bits |= 0b1000;
    parts.push(writeVarUInt(resourceBody.length), resourceBody);
  }
  fixed[HEADER_SIZE] = bits;
  if (retryAfterMilliseconds !== undefined) {
    const value = Buffer.alloc(4);
    value.writeUInt32LE(retryAfterMilliseconds);
    parts.push(Buffer.from([CODE.UInt32]), writeVarUInt(l.tokenOf.retryAfterMilliseconds), value);
  }
  if (requestCharge !== undefined) {
    const value = Buffer.alloc(8);
    value.writeDoubleLE(requestCharge);
    parts.push(Buffer.from([CODE.Float64]), writeVarUInt(l.tokenOf.requestCharge), value);
  }
  return Buffer.concat(parts);
}

/** A RecordIO stream of the given rows: an empty segment header, then a record header + body per row. */
function writeRecords(rows) {
  const segment = Buffer.alloc(HEADER_SIZE + 5);
  segment[0] = HYBRID_ROW_V1;
  segment.writeInt32LE(SEGMENT_SCHEMA_ID, 1);
  segment[HEADER_SIZE] = 1; // `length` present
  segment.writeInt32LE(segment.length, HEADER_SIZE + 1);
  const parts = [segment];
  for (const row of rows) {
    const header = Buffer.alloc(HEADER_SIZE + 8);
    header[0] = HYBRID_ROW_V1;
    header.writeInt32LE(RECORD_SCHEMA_ID, 1);
    header.writeInt32LE(row.length, HEADER_SIZE);
    header.writeUInt32LE(zlib.crc32(row), HEADER_SIZE + 4);
    parts.push(header, row);
  }
  return Buffer.concat(parts);
}

/** Whether a request is a batch request (bulk or transactional) of the .NET SDK. */
function isBatchRequest(req) {
  return req.method === "POST" && String(req.headers["x-ms-cosmos-is-batch-request"] || "").toLowerCase() === "true";
}

/**
 * The single request an operation stands for, as { method, path, headers, body } for the container at `containerPath`
 * (`/dbs/{db}/colls/{coll}`), or a BatchFormatError for an operation this emulator does not know.
 */
function singleRequest(containerPath, operation) {
  const kind = OPERATION[operation.operationType];
  if (!kind) throw new BatchFormatError(`unsupported batch operation type ${operation.operationType}`);
  const headers = {};
  if (operation.partitionKey !== undefined) headers["x-ms-documentdb-partitionkey"] = operation.partitionKey;
  if (operation.ifMatch) headers["if-match"] = operation.ifMatch;
  if (operation.ifNoneMatch) headers["if-none-match"] = operation.ifNoneMatch;
  if (operation.minimalReturnPreference) headers.prefer = "return=minimal";
  const body = operation.resourceBody || Buffer.alloc(0);
  const itemPath = () => {
    if (!operation.id) throw new BatchFormatError(`a ${kind} operation needs an id`);
    return `${containerPath}/docs/${encodeURIComponent(operation.id)}`;
  };
  switch (kind) {
    case "create":
      return { method: "POST", path: `${containerPath}/docs`, headers, body };
    case "upsert":
      return { method: "POST", path: `${containerPath}/docs`, headers: { ...headers, "x-ms-documentdb-is-upsert": "True" }, body };
    case "replace":
      return { method: "PUT", path: itemPath(), headers, body };
    case "patch":
      return { method: "PATCH", path: itemPath(), headers, body };
    case "read":
      return { method: "GET", path: itemPath(), headers, body: Buffer.alloc(0) };
    default:
      return { method: "DELETE", path: itemPath(), headers, body: Buffer.alloc(0) };
  }
}

/** The BatchResult of a single request's answer { status, headers, body }. */
function resultOf(answer) {
  const header = name => answer.headers[name];
  const retryAfter = Number(header("x-ms-retry-after-ms"));
  const charge = Number(header("x-ms-request-charge"));
  return {
    statusCode: answer.status,
    subStatusCode: Number(header("x-ms-substatus")) || 0,
    eTag: header("etag") ? String(header("etag")) : undefined,
    resourceBody: answer.body,
    requestCharge: Number.isFinite(charge) ? charge : 1,
    retryAfterMilliseconds: Number.isFinite(retryAfter) && header("x-ms-retry-after-ms") !== undefined ? retryAfter : undefined
  };
}

/**
 * Answers a batch request: decodes its operations, runs each in order through `execute(single)` (which resolves to
 * { status, headers, body } exactly as the single request would be answered) and writes the RecordIO answer.
 * Non-atomic (bulk) batches run every operation; an atomic (transactional) batch is refused, as this emulator cannot roll
 * back. Malformed bodies are answered 400.
 */
async function handleBatch(req, res, body, execute) {
  const pathname = (req.url || "/").split("?")[0].replace(/\/+$/, "");
  const containerPath = pathname.replace(/\/docs$/, "");
  const atomic = String(req.headers["x-ms-cosmos-batch-atomic"] || "true").toLowerCase() !== "false";
  const json = (status, code, message) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify({ code, message }));
  };
  if (atomic) {
    json(400, "BadRequest", "Atomic (transactional) batches are not supported by this emulator; bulk (non-atomic) batches are.");
    return 0;
  }
  let operations;
  let singles;
  try {
    operations = readRecords(body).map(decodeOperation);
    singles = operations.map(operation => singleRequest(containerPath, operation));
  } catch (err) {
    if (!(err instanceof BatchFormatError)) throw err;
    json(400, "BadRequest", `Malformed batch request: ${err.message}.`);
    return 0;
  }
  const results = [];
  for (const single of singles) results.push(resultOf(await execute(single)));
  const anyFailed = results.some(r => r.statusCode >= 400);
  const charge = results.reduce((sum, r) => sum + (r.requestCharge || 0), 0);
  res.writeHead(anyFailed ? 207 : 200, {
    "content-type": "application/json",
    "x-ms-request-charge": String(charge)
  });
  res.end(writeRecords(results.map(encodeResult)));
  return results.length;
}

module.exports = { isBatchRequest, handleBatch, decodeOperation, readRecords, encodeResult, writeRecords, BatchFormatError };
