#!/usr/bin/env node
/*
 * Local Cosmos DB (NoSQL API) emulator for the Treasure Hunt Engine.
 *
 * Microsoft's Cosmos DB emulator ships only as a Docker image, so locally we run the open-source protocol
 * server npm `@vercel/cosmosdb-server` (pinned to 1.0.1 in package.json) with a thin fix layer that patches
 * the package's own handlers *before* its route table is built (routes.js captures the handler functions when
 * it is first required, which happens when the package's index is required — so every patch below must run
 * before `require("@vercel/cosmosdb-server")`).
 *
 * Fixes (each measured with the .NET SDK 3.64 in Gateway mode):
 *   1. Reading a missing item answers 404 NotFound (the package throws a TypeError -> 500).
 *   2. The SDK's query-plan request (header `x-ms-cosmos-is-query-plan-request: True`) gets a pass-through plan
 *      (one range, no client-side ORDER BY/aggregates), so the SDK sends the query to the server as-is.
 *   3. Queries honour the `x-ms-documentdb-partitionkey` header (the package ignores it and returns documents
 *      from every partition).
 *   4. Incremental change feed (`A-IM: Incremental feed`): every document write gets a server-wide sequence
 *      number, used as the feed's ETag/continuation (the package always answers 304). LatestVersion mode only.
 *   5. HTTP keep-alive (the package sends `connection: close` by default: ~2.8 ms -> ~0.6 ms per call).
 * Extra fixes found while writing this layer:
 *   6. Patch `FilterPredicate` (the SDK's `condition`) is evaluated against the target document only and with
 *      its original letter case (the package lower-cases the whole predicate, so `c.lastSeq` never matched,
 *      and ran it across all partitions).
 *   7. Replacing a container (e.g. a new indexing policy) keeps its documents (the package dropped them).
 *   8. Queries cost time linear in the container's size (the package's compiled queries copied their whole row
 *      list once per document: 6.7 s per 100-item page over 28,500 documents, now ~0.01-0.03 s); see linear-queries.js.
 *   9. `Prefer: return=minimal` (EnableContentResponseOnWrite = false): a successful write answers without the
 *      document, as Azure does (the package echoed it: the SDK buffered every written document back, ~14 % of the
 *      local host's allocations in issue 15's profile).
 *  10. Time to live, as Azure applies it (https://learn.microsoft.com/azure/cosmos-db/nosql/time-to-live): a
 *      container's `defaultTtl` (absent = off, -1 = on without a default, n = n seconds) and an item's own `ttl`
 *      (honoured only when the container's is set; -1 = never) expire an item `ttl` seconds after its last write
 *      (`_ts`). An expired item is gone from point reads at once and deleted (queries, change feed) by a sweep every
 *      second, as Azure deletes expired items in the background.
 *  11. Bulk execution (the .NET SDK's `AllowBulkExecution`): its batch requests (HybridRow RecordIO bodies) are decoded by
 *      cosmos-batch.js and each operation runs as an internal single request through `admit` and the package, so item
 *      limits, refused partition keys, injected faults and time to live apply per operation exactly as to single requests.
 *      `requests` in /_th/stats counts HTTP requests (a batch is one; `byKind` splits the authenticated ones by container and
 *      operation); `batch` counts batch requests and their operations;
 *      `documentRequests` counts document operations, single or inside a batch.
 *  12. Resource ids (`_rid`) in Azure's form: base64 with '/' written as '-', as the SDKs encode and decode them (the
 *      package wrote plain base64; a '/' in a RID made the .NET SDK sign a RID-based request, e.g. its partition-key-range
 *      read, differently from the URL it sent: 401). Snapshots holding older '/' RIDs are converted when loaded.
 * Still unsupported: TransactionalBatch (atomic batches are refused 400), stored procedures, OFFSET/LIMIT, GROUP BY, DISTINCT.
 *
 * Azure's limits and hardening (the guard in front of the package's handlers, see `guard` below):
 *   - Authentication: every request must carry the master-key signature the SDKs send (`authorization:
 *     type=master&ver=1.0&sig=...`, HMAC-SHA256 of verb, resource type, resource link and x-ms-date with the
 *     account key; https://learn.microsoft.com/rest/api/cosmos-db/access-control-on-cosmosdb-resources). The key is
 *     the emulator's well-known key unless TH_COSMOS_KEY says otherwise. Anything else: 401.
 *   - Request bodies: at most 2 MB ("Maximum request size 2 MB"), a body-bearing request must say its length
 *     (411 otherwise); an item (create, upsert, replace) at most 2 MB ("Maximum size of an item 2 MB") — 413
 *     RequestEntityTooLarge, as Azure answers (https://learn.microsoft.com/azure/cosmos-db/concepts-limits).
 *     The item limit can be lowered at start (TH_COSMOS_MAX_ITEM_BYTES) or at run time (PUT /_th/limits) so that a
 *     test can make one oversized document refusable and later fixable. Since user documents are bounded by
 *     construction (docs/data-model.md), a test can also name partition keys whose document writes are answered as
 *     too large (PUT /_th/limits {"refusePartitionKeys": [...]}): the refusal Azure gives an item over 2 MB, for one
 *     chosen document, removable again with an empty list.
 *   - Server-side code: creating (or running) stored procedures, user-defined functions and triggers is refused
 *     (403): the package would run their JavaScript bodies inside this process. UDFs in old snapshots are not loaded.
 *   - Fault injection: TH_FAULT_RATE (0..1, default 0) of the document operations (reads, writes, queries, change
 *     feed) are answered 429 (with x-ms-retry-after-ms) or 503 instead of being served, chosen by a PRNG seeded with
 *     TH_FAULT_SEED (default 1) so a run is repeatable. Metadata calls (account, databases, containers) are not
 *     faulted: what Azure throttles is the data plane.
 *   - GET /_th/stats (requests, faults injected, refusals) and GET|PUT /_th/limits (also {"faultRate": r}: a test
 *     verifies its results with the faults off), with header
 *     `x-th-emulator-key: <key>`.
 *
 * Persistence (optional, `--data-file PATH`): the package keeps everything in memory. With a data file, every
 * database, container, user-defined function and document is loaded from it at start-up, and a snapshot is
 * written (temp file + fsync + rename, so a crash never leaves a torn file) at most every `--save-interval-ms`
 * after a change, and once more on SIGTERM/SIGINT. Load and save go through the package's own objects
 * (`Items._set`, `_data`, `_ridCount`), so `_rid`, `_self`, `_etag` and `_ts` survive a restart unchanged (except a
 * '/' in an older snapshot's `_rid`, loaded as '-': fix 11) and new resources never reuse an old `_rid`.
 *
 * Usage: node cosmos-server.js [--port 8081] [--no-ssl] [--data-file PATH] [--save-interval-ms 1000]
 * Listens on 127.0.0.1 only. TLS (default) uses the package's self-signed certificate: clients must accept it.
 * Prints one line starting with "cosmos-server ready" once it accepts connections.
 */
"use strict";

const fs = require("fs");
const path = require("path");

const LIB = "@vercel/cosmosdb-server/lib";
const HOST = "127.0.0.1";

// ---------------------------------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------------------------------

function usage(exitCode) {
  const text =
    "Usage: node cosmos-server.js [--port 8081] [--no-ssl] [--data-file PATH] [--save-interval-ms 1000]\n" +
    "  --port N              TCP port on 127.0.0.1 (default 8081)\n" +
    "  --no-ssl              plain HTTP instead of HTTPS with the package's self-signed certificate\n" +
    "  --data-file PATH      load state from PATH at start-up and save snapshots to it (default: in memory only)\n" +
    "  --save-interval-ms N  at most one snapshot every N ms after a change (default 1000)\n";
  (exitCode ? process.stderr : process.stdout).write(text);
  process.exit(exitCode);
}

function parseArgs(argv) {
  const options = { port: 8081, tls: true, dataFile: null, saveIntervalMs: 1000 };
  const value = (i, name) => {
    if (i + 1 >= argv.length) {
      process.stderr.write(`cosmos-server: ${name} needs a value\n`);
      usage(2);
    }
    return argv[i + 1];
  };
  const integer = (text, name, min) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) {
      process.stderr.write(`cosmos-server: ${name} must be an integer >= ${min}, got '${text}'\n`);
      usage(2);
    }
    return n;
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    switch (arg) {
      case "-p":
      case "--port":
        options.port = integer(value(i, arg), arg, 0);
        i += 1;
        break;
      case "--no-ssl":
        options.tls = false;
        break;
      case "--data-file":
        options.dataFile = path.resolve(value(i, arg));
        i += 1;
        break;
      case "--save-interval-ms":
        options.saveIntervalMs = integer(value(i, arg), arg, 0);
        i += 1;
        break;
      case "-h":
      case "--help":
        usage(0);
        break;
      default:
        process.stderr.write(`cosmos-server: unknown argument '${arg}'\n`);
        usage(2);
    }
  }
  return options;
}

const options = parseArgs(process.argv.slice(2));

// ---------------------------------------------------------------------------------------------------------------
// Package internals used by the fixes
// ---------------------------------------------------------------------------------------------------------------

// Fix 8 (before anything compiles a query): linear-time query evaluation.
if (!require("./linear-queries").install()) {
  console.error("cosmos-server: linear-queries.js did not apply to this version of @zeit/cosmosdb-query (queries stay quadratic)");
}

const accountModule = require(`${LIB}/account`);
const Items = require(`${LIB}/account/items`).default;
const Documents = require(`${LIB}/account/documents`).default;
const Collections = require(`${LIB}/account/collections`).default;
const readItems = require(`${LIB}/handler/_read-items`).default;
const readJsonBody = require(`${LIB}/json`).default;
const patchOperations = require(`${LIB}/handler/_patch-operations`);
const partitionHeader = require(`${LIB}/utils/get-partition-from-header`);
const ResourceId = require(`${LIB}/account/resource-id`).default;

// Fix 11: resource ids (`_rid`) in Azure's form, base64 with '/' written as '-' (the SDKs' ResourceId.ToBase64String /
// FromBase64String). The package wrote plain base64, so one database in 64 (with every container in it) and many
// documents got a '/' in their `_rid`: the .NET SDK then sends such a RID with '-' in the URL but signs it unchanged and
// case kept, taking it for a name (PathsHelper.IsNameBased: '/' at index 3), so the signature check refused it (401);
// and the package's maps, keyed by the '/' form, would not have found it. Decoding replaces every '-' (Node reads '-'
// as '+').
ResourceId.toBase64String = buffer => buffer.toString("base64").replace(/\//g, "-");
ResourceId.fromBase64String = text => Buffer.from(String(text).replace(/-/g, "/"), "base64");

/**
 * Puts a loaded resource's `_rid` in Azure's form (snapshots written before fix 11 may hold '/') and its `_self` with
 * it (the package's own format, given as `selfOf`); returns the `_self`. A RID already in Azure's form is left as is.
 */
function withAzureRid(data, selfOf) {
  data._rid = String(data._rid).replace(/\//g, "-");
  data._self = selfOf(data._rid);
  return data._self;
}

const NOT_FOUND = { code: "NotFound", message: "Entity with the specified id does not exist in the system." };

/** The partition-key value sent by the SDK in `x-ms-documentdb-partitionkey`, or undefined when none is sent. */
function partitionKeyFromHeader(req) {
  const header = partitionHeader.default(req);
  if (!header || header === "[{}]" || header === "[]") return undefined;
  try {
    const parsed = JSON.parse(header);
    return Array.isArray(parsed) ? parsed[0] : parsed;
  } catch {
    return undefined;
  }
}

/** Reads the first partition-key path (e.g. "/userId" -> ["userId"]) of a container's stored definition. */
function partitionKeyPath(collectionData) {
  const paths = ((collectionData || {}).partitionKey || {}).paths || ["/id"];
  return paths[0].slice(1).split("/");
}

function valueAt(keys, obj) {
  return keys.reduce((o, k) => (o == null ? undefined : o[k]), obj);
}

/** Keeps only the documents whose partition-key value equals the one in the request header (if any). */
function filterByPartitionHeader(req, collectionData, docs, pick = d => d) {
  const pk = partitionKeyFromHeader(req);
  if (pk === undefined) return docs;
  const keys = partitionKeyPath(collectionData);
  return docs.filter(entry => valueAt(keys, pick(entry)) === pk);
}

// ---------------------------------------------------------------------------------------------------------------
// Change tracking: per-document change-feed sequence numbers and the "dirty" flag for snapshots
// ---------------------------------------------------------------------------------------------------------------

let changeFeedSeq = 0; // last sequence number handed out (server-wide, monotonic)
const seqOfDocument = new WeakMap(); // stored document object -> sequence number of its last write
let trackChanges = true; // off while loading a snapshot
let onChange = () => {}; // set by the persistence layer

const originalSet = Items.prototype._set;
Items.prototype._set = function setAndTrack(data) {
  const stored = originalSet.call(this, data);
  if (trackChanges) {
    if (this instanceof Documents) seqOfDocument.set(stored, ++changeFeedSeq);
    onChange();
  }
  return stored;
};

const originalDelete = Items.prototype.delete;
Items.prototype.delete = function deleteAndTrack(...args) {
  const result = originalDelete.apply(this, args);
  if (trackChanges) onChange();
  return result;
};

// Fix 7: Items.replace deletes the old item and creates a fresh Collection object, losing its documents.
Collections.prototype.replace = function replaceKeepingContents(data, original) {
  const before = this._data.get(original._rid);
  const result = Items.prototype.replace.call(this, data, original);
  const after = this._data.get(result._rid);
  if (before && after && before !== after) {
    for (const child of ["documents", "userDefinedFunctions"]) {
      after[child] = before[child];
      after[child]._parent = after;
    }
  }
  return result;
};

// ---------------------------------------------------------------------------------------------------------------
// Handler fixes (must be installed before the package's routes.js is loaded)
// ---------------------------------------------------------------------------------------------------------------

function replaceHandler(name, makeHandler) {
  const mod = require(`${LIB}/handler/${name}`);
  mod.default = makeHandler(mod.default);
}

// Fix 1: ReadItem of a missing document -> 404 (the package dereferences the missing document: TypeError -> 500).
replaceHandler("read-document", original => (account, req, res, params) => {
  const collection = account.database(params.dbId).collection(params.collId);
  if (collection.read()) {
    const pk = partitionKeyFromHeader(req);
    const doc = collection.document(params.docId, pk === undefined ? params.docId : pk).read();
    if (!doc || expireOnRead(collection, doc)) {
      res.statusCode = 404;
      return { ...NOT_FOUND };
    }
  }
  try {
    return original(account, req, res, params);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    res.statusCode = 404;
    return { ...NOT_FOUND };
  }
});

// Fix 10: time to live. The seconds an item lives after its last write, or null when it never expires.
function timeToLive(collectionData, doc) {
  const containerTtl = collectionData && collectionData.defaultTtl;
  if (containerTtl === undefined || containerTtl === null) return null; // TTL off: an item's own ttl is ignored
  if (doc.ttl === -1) return null;
  if (Number.isInteger(doc.ttl) && doc.ttl > 0) return doc.ttl;
  return containerTtl > 0 ? containerTtl : null;
}

function isExpired(collectionData, doc, nowSeconds) {
  const ttl = timeToLive(collectionData, doc);
  return ttl !== null && doc._ts + ttl <= nowSeconds;
}

/** Deletes the expired items of every container whose TTL is on; returns how many. */
function sweepExpired() {
  if (!account) return 0;
  const now = Math.floor(Date.now() / 1000);
  let deleted = 0;
  for (const database of account.databases._data.values()) {
    for (const collection of database.collections._data.values()) {
      const collectionData = collection.read();
      if (!collectionData || collectionData.defaultTtl === undefined || collectionData.defaultTtl === null) continue;
      const documents = collection.documents;
      const expired = [...documents._data.values()].map(item => item.read()).filter(doc => doc && isExpired(collectionData, doc, now));
      for (const doc of expired) {
        documents.delete(doc._rid, documents._getPartition(doc));
        deleted += 1;
      }
    }
  }
  stats.expired += deleted;
  return deleted;
}

/** True (and the item deleted) when the point read's item has expired. */
function expireOnRead(collection, doc) {
  const collectionData = collection.read();
  if (!isExpired(collectionData, doc, Math.floor(Date.now() / 1000))) return false;
  collection.documents.delete(doc._rid, collection.documents._getPartition(doc));
  stats.expired += 1;
  return true;
}

// Fixes 2 and 3: pass-through query plan; queries filtered by the partition-key header.
const PASS_THROUGH_QUERY_PLAN = JSON.stringify({
  partitionedQueryExecutionInfoVersion: 2,
  queryInfo: {
    distinctType: "None",
    top: null,
    offset: null,
    limit: null,
    orderBy: [],
    orderByExpressions: [],
    groupByExpressions: [],
    groupByAliases: [],
    aggregates: [],
    groupByAliasToAggregateType: {},
    rewrittenQuery: "",
    hasSelectValue: false,
    dCountInfo: null,
    hasNonStreamingOrderBy: false
  },
  queryRanges: [{ min: "", max: "FF", isMinInclusive: true, isMaxInclusive: false }]
});

replaceHandler("query-documents", () => async (account, req, res, { dbId, collId }) => {
  if (String(req.headers["x-ms-cosmos-is-query-plan-request"]).toLowerCase() === "true") {
    await readJsonBody(req); // drain the request body
    return JSON.parse(PASS_THROUGH_QUERY_PLAN);
  }
  return readItems(req, res, "Documents", async ({ continuation, maxItemCount }) => {
    const body = await readJsonBody(req);
    if (!body.query) {
      res.statusCode = 400;
      return { message: "missing query" };
    }
    const collection = account.database(dbId).collection(collId);
    const collectionData = collection.read();
    if (!collectionData) return null; // -> 404
    const documents = collection.documents;
    const data = filterByPartitionHeader(req, collectionData, [...documents._data.values()].map(d => d.read()));
    const query = documents._getQuery(body.query); // throws a SyntaxError -> 400 in readItems
    try {
      return query.exec(data, {
        parameters: body.parameters,
        udf: documents._userDefinedFunctions(),
        maxItemCount,
        continuation,
        compositeIndexes: (collectionData.indexingPolicy || {}).compositeIndexes || []
      });
    } catch (err) {
      res.statusCode = 400;
      return { code: "BadRequest", message: err.message };
    }
  });
});

// Fix 4: incremental change feed (requests with an `A-IM` header); anything else is the plain ReadFeed.
replaceHandler("read-documents", original => (account, req, res, params) => {
  if (!req.headers["a-im"]) return original(account, req, res, params);
  const collection = account.database(params.dbId).collection(params.collId);
  const collectionData = collection.read();
  if (!collectionData) {
    res.statusCode = 404;
    return { ...NOT_FOUND };
  }
  const ifNoneMatch = req.headers["if-none-match"];
  // The package's response wrapper turns any A-IM request with If-None-Match into a 304 with etag "1".
  delete req.headers["if-none-match"];
  delete req.headers["a-im"];
  let from = 0; // no If-None-Match: from the beginning
  if (ifNoneMatch === "*") from = changeFeedSeq; // "*": from now on
  else if (ifNoneMatch) from = parseInt(String(ifNoneMatch).replace(/"/g, ""), 10) || 0;

  const maxItemCount = parseInt(req.headers["x-ms-max-item-count"] || "-1", 10);
  let changes = [...collection.documents._data.values()]
    .map(item => item.read())
    .map(doc => [seqOfDocument.get(doc) || 0, doc])
    .filter(([seq]) => seq > from)
    .sort((a, b) => a[0] - b[0]);
  changes = filterByPartitionHeader(req, collectionData, changes, ([, doc]) => doc);
  if (maxItemCount > 0) changes = changes.slice(0, maxItemCount);

  const etag = changes.length ? changes[changes.length - 1][0] : from;
  res.setHeader("etag", `"${etag}"`);
  res.setHeader("x-ms-item-count", String(changes.length));
  if (!changes.length) {
    res.statusCode = 304;
    return {};
  }
  return { Documents: changes.map(([, doc]) => doc), _count: changes.length };
});

// Fix 6: Patch with a FilterPredicate (`condition`), evaluated on the target document with its original case.
replaceHandler("patch-document", () => async (account, req, res, { dbId, collId, docId }) => {
  const body = await readJsonBody(req);
  const operations = Array.isArray(body) ? body : body && Array.isArray(body.operations) ? body.operations : null;
  if (!operations) {
    res.statusCode = 400;
    return { code: "BadRequest", message: "Invalid patch request: check syntax of patch specification." };
  }
  const condition = Array.isArray(body) ? undefined : body.condition;
  const collection = account.database(dbId).collection(collId);
  const rawPartitionKey = partitionHeader.default(req);
  if (condition && collection.read()) {
    const pk = partitionKeyFromHeader(req);
    const doc = collection.document(docId, pk === undefined ? docId : pk).read();
    if (doc) {
      // The SDK sends "FROM c WHERE ..."; a full "SELECT ..." query is accepted as well.
      const sql = /^\s*select\s/i.test(condition) ? condition : `SELECT VALUE 1 ${condition}`;
      let satisfied;
      try {
        const result = collection.documents._getQuery(sql).exec([doc], {
          parameters: [],
          udf: collection.documents._userDefinedFunctions()
        });
        satisfied = result.result.length > 0;
      } catch (err) {
        res.statusCode = 400;
        return { code: "BadRequest", message: `Invalid condition in patch request: ${err.message}` };
      }
      if (!satisfied) {
        res.statusCode = 412;
        return { code: "PreconditionFailed", message: "Condition specified in the patch request is not satisfied." };
      }
    }
  }
  // Same (synchronous) turn of the event loop as the check above, so nothing can change the document in between.
  const result = patchOperations.patchOperation(collection, {
    id: docId,
    partitionKey: rawPartitionKey,
    ifMatch: req.headers["if-match"],
    operations,
    condition: undefined
  });
  res.statusCode = result.statusCode;
  return result.body;
});

// ---------------------------------------------------------------------------------------------------------------
// Account capture (the package creates its Account privately when the server starts listening)
// ---------------------------------------------------------------------------------------------------------------

let account = null;
const PackageAccount = accountModule.default;
accountModule.default = class TrackedAccount extends PackageAccount {
  constructor(host, port) {
    super(host, port);
    if (!options.tls) {
      // The package always advertises https:// endpoints; keep the scheme honest for --no-ssl.
      const data = this.read();
      for (const list of [data.writableLocations, data.readableLocations]) {
        for (const location of list) location.databaseAccountEndpoint = `http://${host}:${port}/`;
      }
    }
    account = this;
  }
};

// ---------------------------------------------------------------------------------------------------------------
// Persistence
// ---------------------------------------------------------------------------------------------------------------

const SNAPSHOT_FORMAT = "treasurehunt-cosmos-snapshot";
const SNAPSHOT_VERSION = 1;

/** Every stored object of an Items container (databases, collections, documents, UDFs), in insertion order. */
function storedItems(items) {
  return [...items._data.values()].map(item => item.read()).filter(Boolean);
}

function takeSnapshot() {
  return {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    savedAt: new Date().toISOString(),
    changeFeedSeq,
    databases: {
      ridCount: account.databases._ridCount,
      items: [...account.databases._data.values()].map(database => ({
        data: database.read(),
        collections: {
          ridCount: database.collections._ridCount,
          items: [...database.collections._data.values()].map(collection => ({
            data: collection.read(),
            userDefinedFunctions: {
              ridCount: collection.userDefinedFunctions._ridCount,
              items: storedItems(collection.userDefinedFunctions)
            },
            documents: {
              ridCount: collection.documents._ridCount,
              items: storedItems(collection.documents).map(doc => ({ seq: seqOfDocument.get(doc) || 0, doc }))
            }
          }))
        }
      }))
    }
  };
}

function loadSnapshot(snapshot) {
  if (!snapshot || snapshot.format !== SNAPSHOT_FORMAT || snapshot.version !== SNAPSHOT_VERSION) {
    throw new Error(`not a ${SNAPSHOT_FORMAT} v${SNAPSHOT_VERSION} file`);
  }
  const counts = { databases: 0, collections: 0, documents: 0 };
  trackChanges = false;
  try {
    changeFeedSeq = snapshot.changeFeedSeq || 0;
    account.databases._ridCount = snapshot.databases.ridCount;
    for (const db of snapshot.databases.items) {
      const dbSelf = withAzureRid(db.data, rid => `/dbs/${rid}`);
      account.databases._set(db.data);
      const database = account.databases._data.get(db.data._rid);
      database.collections._ridCount = db.collections.ridCount;
      counts.databases += 1;
      for (const coll of db.collections.items) {
        const collSelf = withAzureRid(coll.data, rid => `${dbSelf}/colls/${rid}`);
        database.collections._set(coll.data); // constructs the Collection with its partition key and unique keys
        const collection = database.collections._data.get(coll.data._rid);
        counts.collections += 1;
        // User-defined functions are never loaded: their bodies are code, and this emulator refuses server-side code.
        if (coll.userDefinedFunctions.items.length > 0) {
          console.log(`cosmos-server: ${coll.userDefinedFunctions.items.length} user-defined function(s) in the snapshot ignored`);
        }
        for (const { seq, doc } of coll.documents.items) {
          withAzureRid(doc, rid => `${collSelf}/docs/${rid}/`);
          const stored = collection.documents._set(doc);
          seqOfDocument.set(stored, seq);
          changeFeedSeq = Math.max(changeFeedSeq, seq);
          counts.documents += 1;
        }
        collection.documents._ridCount = coll.documents.ridCount;
      }
    }
  } finally {
    trackChanges = true;
  }
  return counts;
}

function createPersistence(dataFile, saveIntervalMs) {
  let dirty = false;
  let timer = null;
  let lastSave = 0;

  function save(reason) {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (!dirty) return;
    const started = Date.now();
    const text = JSON.stringify(takeSnapshot());
    dirty = false; // the snapshot above is consistent: the event loop is not yielded while saving
    fs.mkdirSync(path.dirname(dataFile), { recursive: true });
    const temp = `${dataFile}.tmp-${process.pid}`;
    const fd = fs.openSync(temp, "w");
    try {
      fs.writeSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, dataFile);
    lastSave = Date.now();
    if (reason !== "change") {
      console.log(`cosmos-server: saved ${text.length} bytes to ${dataFile} (${reason}, ${lastSave - started} ms)`);
    }
  }

  function safeSave(reason) {
    try {
      save(reason);
    } catch (err) {
      dirty = true; // try again on the next change / at shutdown
      console.error(`cosmos-server: saving ${dataFile} failed: ${err.stack || err}`);
      return false;
    }
    return true;
  }

  return {
    load() {
      if (!fs.existsSync(dataFile)) {
        console.log(`cosmos-server: no data file yet at ${dataFile}; starting empty`);
        return;
      }
      const started = Date.now();
      const counts = loadSnapshot(JSON.parse(fs.readFileSync(dataFile, "utf8")));
      console.log(
        `cosmos-server: loaded ${counts.databases} database(s), ${counts.collections} container(s), ` +
          `${counts.documents} document(s) from ${dataFile} in ${Date.now() - started} ms`
      );
    },
    changed() {
      dirty = true;
      if (timer) return;
      const wait = Math.max(0, saveIntervalMs - (Date.now() - lastSave));
      timer = setTimeout(() => safeSave("change"), wait);
      timer.unref();
    },
    flush: reason => safeSave(reason)
  };
}


// ---------------------------------------------------------------------------------------------------------------
// Guard: authentication, Azure's size limits, no server-side code, fault injection (runs before the package)
// ---------------------------------------------------------------------------------------------------------------

const crypto = require("crypto");

const WELL_KNOWN_KEY = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";
const ACCOUNT_KEY = process.env.TH_COSMOS_KEY || WELL_KNOWN_KEY;
const ACCOUNT_KEY_BYTES = Buffer.from(ACCOUNT_KEY, "base64");
const MAX_REQUEST_BYTES = 2 * 1024 * 1024;

function envNumber(name, fallback, min, max) {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max) {
    process.stderr.write(`cosmos-server: ${name} must be a number from ${min} to ${max}, got '${text}'\n`);
    process.exit(2);
  }
  return n;
}

const limits = { maxItemBytes: envNumber("TH_COSMOS_MAX_ITEM_BYTES", 2 * 1024 * 1024, 1, 2 * 1024 * 1024), refusePartitionKeys: [] };
let faultRate = envNumber("TH_FAULT_RATE", 0, 0, 1); // PUT /_th/limits {"faultRate": r} changes it at run time
let faultState = envNumber("TH_FAULT_SEED", 1, 0, 2 ** 32 - 1) >>> 0;
const stats = { requests: 0, byKind: {}, documentRequests: 0, batch: { requests: 0, operations: 0 }, faults: { 429: 0, 503: 0 }, refused: { 401: 0, 403: 0, 411: 0, 413: 0 }, expired: 0 };

/** mulberry32: a small seeded PRNG, so a fault pattern is repeatable for a given seed and request order. */
function nextRandom() {
  faultState = (faultState + 0x6d2b79f5) >>> 0;
  let t = faultState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function sameSecret(a, b) {
  const x = Buffer.from(String(a));
  const y = Buffer.from(String(b));
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** The (resource type, resource link) pairs the SDK may have signed for this path (raw and URL-decoded ids). */
function signedResources(pathname) {
  const raw = pathname.replace(/^\/+|\/+$/g, "");
  const variants = new Set([raw]);
  try {
    variants.add(decodeURIComponent(raw));
  } catch {
    // keep the raw form only
  }
  const result = [];
  for (const path of variants) {
    const segments = path === "" ? [] : path.split("/");
    if (segments.length === 0) {
      result.push(["", ""]);
      continue;
    }
    const even = segments.length % 2 === 0;
    const type = even ? segments[segments.length - 2] : segments[segments.length - 1];
    const idSegments = even ? segments : segments.slice(0, -1);
    result.push([type, idSegments.join("/")]); // name-based: the full path, case kept
    if (idSegments.length > 0) result.push([type, idSegments[idSegments.length - 1].toLowerCase()]); // RID-based: the resource's _rid, lower-cased

  }
  return result;
}

function authorized(req, pathname) {
  let header = req.headers.authorization;
  if (!header) return false;
  try {
    header = decodeURIComponent(header);
  } catch {
    return false;
  }
  const fields = Object.fromEntries(header.split("&").map(kv => { const i = kv.indexOf("="); return [kv.slice(0, i), kv.slice(i + 1)]; }));
  if (fields.type !== "master" || !fields.sig) return false;
  const date = String(req.headers["x-ms-date"] || req.headers.date || "").toLowerCase();
  for (const [type, link] of signedResources(pathname)) {
    const payload = `${req.method.toLowerCase()}\n${type.toLowerCase()}\n${link}\n${date}\n\n`;
    const expected = crypto.createHmac("sha256", ACCOUNT_KEY_BYTES).update(payload, "utf8").digest("base64");
    if (sameSecret(expected, fields.sig)) return true;
  }
  return false;
}

function answer(res, status, body, headers = {}) {
  res.writeHead(status, { "content-type": "application/json", "x-ms-activity-id": crypto.randomUUID(), ...headers });
  res.end(JSON.stringify(body));
}

function refuse(res, status, code, message, headers) {
  if (stats.refused[status] !== undefined) stats.refused[status] += 1;
  answer(res, status, { code, message }, headers);
}

/** Whether the request's partition key header (a JSON array, e.g. ["u-1"]) names a key in limits.refusePartitionKeys. */
function refusedPartitionKey(req) {
  try {
    const pk = JSON.parse(String(req.headers["x-ms-documentdb-partitionkey"] || "[]"));
    return Array.isArray(pk) && pk.length === 1 && limits.refusePartitionKeys.includes(pk[0]);
  } catch {
    return false;
  }
}

function isDocumentWrite(req, pathname) {
  if (!/\/docs(\/[^/]+)?$/.test(pathname)) return false;
  if (req.method === "PUT") return /\/docs\/[^/]+$/.test(pathname);
  if (req.method !== "POST" || !/\/docs$/.test(pathname)) return false;
  const isQuery = String(req.headers["x-ms-documentdb-isquery"]).toLowerCase() === "true" ||
    String(req.headers["content-type"] || "").startsWith("application/query+json") ||
    String(req.headers["x-ms-cosmos-is-query-plan-request"]).toLowerCase() === "true";
  return !isQuery;
}

function controlRequest(req, res, pathname) {
  if (!sameSecret(req.headers["x-th-emulator-key"] || "", ACCOUNT_KEY)) {
    refuse(res, 401, "Unauthorized", "the x-th-emulator-key header must carry the emulator key");
    return;
  }
  if (pathname === "/_th/stats" && req.method === "GET") {
    answer(res, 200, { ...stats, faultRate, limits });
    return;
  }
  if (pathname === "/_th/limits" && req.method === "GET") {
    answer(res, 200, limits);
    return;
  }
  if (pathname === "/_th/limits" && req.method === "PUT") {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", chunk => { if (text.length < 4096) text += chunk; });
    req.on("end", () => {
      let body;
      try {
        body = JSON.parse(text);
      } catch {
        answer(res, 400, { code: "BadRequest", message: "a JSON body {\"maxItemBytes\": N} is expected" });
        return;
      }
      const n = body && body.maxItemBytes;
      const keys = body && body.refusePartitionKeys;
      const rate = body && body.faultRate;
      if (rate !== undefined && (typeof rate !== "number" || !(rate >= 0 && rate <= 1))) {
        answer(res, 400, { code: "BadRequest", message: "faultRate must be a number from 0 to 1" });
        return;
      }
      if (rate !== undefined) faultRate = rate;
      if (n === undefined && keys === undefined) {
        if (rate !== undefined) { console.log(`cosmos-server: fault rate ${faultRate}`); answer(res, 200, { ...limits, faultRate }); return; }
        answer(res, 400, { code: "BadRequest", message: "a JSON body {\"maxItemBytes\": N, \"refusePartitionKeys\": [...]} (either or both) is expected" });
        return;
      }
      if (n !== undefined && (!Number.isInteger(n) || n < 1 || n > 2 * 1024 * 1024)) {
        answer(res, 400, { code: "BadRequest", message: "maxItemBytes must be an integer from 1 to 2097152 (Azure's limit)" });
        return;
      }
      if (keys !== undefined && (!Array.isArray(keys) || keys.length > 100 || !keys.every(k => typeof k === "string" && k.length <= 256))) {
        answer(res, 400, { code: "BadRequest", message: "refusePartitionKeys must be an array of at most 100 strings" });
        return;
      }
      if (n !== undefined) limits.maxItemBytes = n;
      if (keys !== undefined) limits.refusePartitionKeys = keys;
      console.log(`cosmos-server: item limit ${limits.maxItemBytes} bytes, refused partition keys [${limits.refusePartitionKeys.join(", ")}]`);
      answer(res, 200, limits);
    });
    return;
  }
  answer(res, 404, { code: "NotFound", message: "GET /_th/stats, GET|PUT /_th/limits" });
}

/** What an authenticated request is, for /_th/stats `byKind`: "<container> <operation>" for documents, else "<method> <resource type>". */
function requestKind(req, pathname) {
  const docs = /\/colls\/([^/]+)\/docs(\/[^/]+)?\/?$/.exec(pathname);
  if (!docs) {
    const segments = pathname.split("/").filter(Boolean);
    return `${req.method} ${segments.length % 2 === 1 ? segments[segments.length - 1] : segments[segments.length - 2] || "account"}`;
  }
  const container = decodeURIComponent(docs[1]);
  const header = name => String(req.headers[name] || "").toLowerCase();
  let operation = req.method === "GET" ? (docs[2] ? "read" : header("a-im") ? "change feed" : "read feed")
    : req.method === "PUT" ? "replace" : req.method === "DELETE" ? "delete" : req.method === "PATCH" ? "patch"
    : isBatchRequest(req) ? "batch"
    : header("x-ms-documentdb-isquery") === "true" || header("content-type").startsWith("application/query+json") ? "query"
    : header("x-ms-cosmos-is-query-plan-request") === "true" ? "query plan"
    : header("x-ms-documentdb-is-upsert") === "true" ? "upsert" : "create";
  return `${container} ${operation}`;
}

/** Runs before the package: answers the request itself (refusal, fault, control) or calls next(). */
function guard(req, res, next) {
  stats.requests += 1;
  const pathname = (req.url || "/").split("?")[0];
  if (pathname.startsWith("/_th/")) {
    controlRequest(req, res, pathname);
    return;
  }
  if (!authorized(req, pathname)) {
    if (process.env.TH_COSMOS_DEBUG_AUTH) console.error(`auth failed: ${req.method} ${req.url} ${req.headers.authorization} date=${req.headers["x-ms-date"]}`);
    refuse(res, 401, "Unauthorized", "The input authorization token can't serve the request: a master-key signature of this emulator's key is required.");
    return;
  }
  const length = req.headers["content-length"] === undefined ? undefined : Number(req.headers["content-length"]);
  const hasBody = ["POST", "PUT", "PATCH"].includes(req.method);
  if (hasBody && (length === undefined || !Number.isFinite(length))) {
    refuse(res, 411, "LengthRequired", "A Content-Length header is required.");
    return;
  }
  if (length > MAX_REQUEST_BYTES) {
    refuse(res, 413, "RequestEntityTooLarge", `Request size is too large: ${length} bytes, at most ${MAX_REQUEST_BYTES}.`);
    return;
  }
  const kind = requestKind(req, pathname);
  stats.byKind[kind] = (stats.byKind[kind] || 0) + 1;
  if (isBatchRequest(req) && /\/docs$/.test(pathname)) {
    serveBatch(req, res);
    return;
  }
  admit(req, res, pathname, length, next);
}

/**
 * Azure's per-request rules for a data-plane request that passed authentication: no server-side code, the item size
 * limit and refused partition keys (413), injected faults, `Prefer: return=minimal`. Single requests from a client and
 * the operations of a batch request (run as internal single requests, see serveBatch) both pass through here.
 */
function admit(req, res, pathname, length, next) {
  const hasBody = ["POST", "PUT", "PATCH"].includes(req.method);
  if (hasBody && /\/(sprocs|udfs|triggers)(\/|$)/.test(pathname)) {
    refuse(res, 403, "Forbidden", "Stored procedures, user-defined functions and triggers are not available on this emulator.");
    return;
  }
  if (isDocumentWrite(req, pathname) && length > limits.maxItemBytes) {
    refuse(res, 413, "RequestEntityTooLarge", `Request size is too large: the item is ${length} bytes, at most ${limits.maxItemBytes}.`, { "x-ms-substatus": "0" });
    return;
  }
  if (limits.refusePartitionKeys.length > 0 && isDocumentWrite(req, pathname) && refusedPartitionKey(req)) {
    refuse(res, 413, "RequestEntityTooLarge", "Request size is too large: the item's partition key is in /_th/limits refusePartitionKeys.", { "x-ms-substatus": "0" });
    return;
  }
  if (/\/docs(\/|$)/.test(pathname)) {
    stats.documentRequests += 1;
    // Fix: "Prefer: return=minimal" (the .NET SDK's EnableContentResponseOnWrite = false) — Azure answers a successful
    // create, upsert, replace or patch without the document in the body; the package always echoes it. Dropping it here
    // keeps the SDK's client-side work (and this process's JSON.stringify) what it is against Azure.
    if (/return=minimal/i.test(String(req.headers.prefer || "")) && (isDocumentWrite(req, pathname) || req.method === "PATCH")) {
      const end = res.end;
      res.end = function endWithoutDocument(chunk, ...rest) {
        return res.statusCode < 300 ? end.call(res, "") : end.call(res, chunk, ...rest);
      };
    }
    if (faultRate > 0 && nextRandom() < faultRate) {
      if (nextRandom() < 0.5) {
        stats.faults[429] += 1;
        answer(res, 429, { code: "TooManyRequests", message: "Request rate is large (fault injected by TH_FAULT_RATE)." },
          { "x-ms-retry-after-ms": "20", "x-ms-substatus": "3200" });
      } else {
        stats.faults[503] += 1;
        answer(res, 503, { code: "ServiceUnavailable", message: "Service is currently unavailable (fault injected by TH_FAULT_RATE)." });
      }
      req.resume(); // drain the body
      return;
    }
  }
  next();
}

// ---------------------------------------------------------------------------------------------------------------
// Batch requests (the .NET SDK's bulk execution): each operation runs as an internal single request (see cosmos-batch.js)
// ---------------------------------------------------------------------------------------------------------------

const { Readable } = require("stream");
const { isBatchRequest, handleBatch } = require("./cosmos-batch");

/** The response object of an internal request: collects status, headers and body for the batch answer. */
class InternalResponse {
  constructor(done) {
    this.statusCode = 200;
    this.headers = {};
    this.finished = false;
    this.done = done;
  }
  setHeader(name, value) { this.headers[name.toLowerCase()] = value; }
  getHeader(name) { return this.headers[name.toLowerCase()]; }
  removeHeader(name) { delete this.headers[name.toLowerCase()]; }
  writeHead(status, headers = {}) {
    this.statusCode = status;
    for (const [name, value] of Object.entries(headers)) this.setHeader(name, value);
    return this;
  }
  end(chunk) {
    if (this.finished) return this;
    this.finished = true;
    const body = chunk === undefined || chunk === null ? Buffer.alloc(0) : Buffer.from(chunk);
    this.done({ status: this.statusCode, headers: this.headers, body });
    return this;
  }
}

/** Runs one operation of a batch as the single request it stands for, through admit() and the package's handlers. */
function executeInternal(single) {
  return new Promise(resolve => {
    const req = Readable.from(single.body.length > 0 ? [single.body] : [], { objectMode: false });
    req.method = single.method;
    req.url = single.path;
    req.headers = { host: `${HOST}:${server.address().port}`, "content-length": String(single.body.length), ...single.headers };
    const res = new InternalResponse(resolve);
    stats.batch.operations += 1;
    admit(req, res, single.path, single.body.length, () => packageListeners.forEach(listener => listener.call(server, req, res)));
  });
}

/** Reads a batch request's body (its length was checked by the guard) and answers it. */
function serveBatch(req, res) {
  stats.batch.requests += 1;
  const chunks = [];
  req.on("data", chunk => chunks.push(chunk));
  req.on("end", () => {
    handleBatch(req, res, Buffer.concat(chunks), executeInternal).catch(err => {
      console.error(`cosmos-server: batch request failed: ${err.stack || err}`);
      if (!res.headersSent) answer(res, 500, { code: "InternalServerError", message: "the batch request could not be served" });
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Start
// ---------------------------------------------------------------------------------------------------------------

// Only now load the package's index (and with it routes.js, which captures the patched handlers).
const { createHttpsServer, createHttpServer } = require("@vercel/cosmosdb-server");

const persistence = options.dataFile ? createPersistence(options.dataFile, options.saveIntervalMs) : null;
const server = options.tls ? createHttpsServer({ keepAlive: true }) : createHttpServer({ keepAlive: true });
// Keep idle connections for 2 min (Node's default is 5 s): longer than the .NET handler keeps an idle pooled
// connection (1 min), so the client closes them and no request races a server-side close.
server.keepAliveTimeout = 120000;
// The guard runs first; the package's own request listener only sees what the guard lets through.
const packageListeners = server.listeners("request");
server.removeAllListeners("request");
server.on("request", (req, res) => guard(req, res, () => packageListeners.forEach(listener => listener.call(server, req, res))));
server.headersTimeout = 125000;

server.on("error", err => {
  console.error(`cosmos-server: ${err.message}`);
  process.exit(1);
});

// The package's own "listening" handler (registered first) creates the Account; this runs right after it,
// synchronously, so no request can be served before the snapshot is loaded.
server.listen(options.port, HOST, () => {
  if (persistence) {
    try {
      persistence.load();
    } catch (err) {
      console.error(
        `cosmos-server: cannot load ${options.dataFile}: ${err.message} ` +
          "(move it aside, or delete it with: infra/local/emulators.sh reset cosmos)"
      );
      process.exit(1);
    }
    onChange = persistence.changed;
  }
  setInterval(sweepExpired, 1000).unref();
  const { port } = server.address();
  const scheme = options.tls ? "https" : "http";
  console.log(
    `cosmos-server ready: ${scheme}://${HOST}:${port}/ (pid ${process.pid}, keep-alive, ` +
      `${options.dataFile ? `data file ${options.dataFile}` : "in memory"}, item limit ${limits.maxItemBytes} bytes, ` +
      `fault rate ${faultRate})`
  );
});

let stopping = false;
function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  server.close();
  if (typeof server.closeAllConnections === "function") server.closeAllConnections();
  const ok = persistence ? persistence.flush(signal) : true;
  console.log(`cosmos-server: stopped (${signal})`);
  process.exit(ok ? 0 : 1);
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
