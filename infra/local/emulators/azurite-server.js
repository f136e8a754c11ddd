#!/usr/bin/env node
/*
 * Azurite (blob, queue, table) with a limit-enforcing, fault-injecting layer in front of its Table service.
 *
 * Azurite 3.37 stores any table entity it is given; Azure refuses, for good, what is over its documented limits
 * (https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model ,
 * https://learn.microsoft.com/rest/api/storageservices/performing-entity-group-transactions ,
 * https://learn.microsoft.com/rest/api/storageservices/table-service-error-codes):
 *   - an entity over 1 MiB                              -> 400 EntityTooLarge
 *   - a property value over 64 KiB (string: UTF-16)     -> 400 PropertyValueTooLarge
 *   - more than 255 properties (252 + PK, RK, Timestamp) -> 400 TooManyProperties
 *   - a request (e.g. an entity-group transaction) over 4 MiB -> 413 RequestBodyTooLarge
 *   - a transaction of more than 100 operations         -> 400 InvalidInput
 *   - a transaction across partition keys               -> 400 CommandsInBatchActOnDifferentPartitions
 * Entity size is Azure's formula: 4 + 2·len(PartitionKey + RowKey) + Σ (8 + 2·len(name) + size of the value), the
 * value's size being 4 + 2·chars (string), 4 + bytes (binary), 8 (Int64, Double, DateTime), 16 (Guid), 4 (Int32), 1 (bool).
 *
 * So this script runs Azurite in-process (its own entry point, with its Table service on an inner port,
 * TH_AZURITE_TABLE_INNER_PORT, default table port + 100) and listens on the public table port itself: every request
 * is read whole (up to 4 MiB), checked, optionally faulted, then forwarded unchanged. Fault injection: TH_FAULT_RATE
 * (0..1, default 0) of the entity requests (reads, writes, queries, transactions — not table creation or listing)
 * are answered 503 ServerBusy or 429 instead of being forwarded, chosen by a PRNG seeded with TH_FAULT_SEED (default 1).
 * GET /_th/stats (header x-th-emulator-key: the account key) returns what was faulted and refused.
 *
 * Usage: node azurite-server.js <Azurite's own arguments, including --tableHost and --tablePort>
 * Prints "azurite-server ready" once the public table port accepts connections.
 */
"use strict";

const http = require("http");
const crypto = require("crypto");
const path = require("path");

const ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
const MAX_ENTITY_BYTES = 1024 * 1024;
const MAX_PROPERTY_BYTES = 64 * 1024;
const MAX_PROPERTIES = 255;
const MAX_TRANSACTION_OPERATIONS = 100;

function envNumber(name, fallback, min, max) {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max) {
    process.stderr.write(`azurite-server: ${name} must be a number from ${min} to ${max}, got '${text}'\n`);
    process.exit(2);
  }
  return n;
}

// ---- arguments: take the public table endpoint, hand Azurite the inner one -----------------------------------
const args = process.argv.slice(2);
function argValue(name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}
const tableHost = argValue("--tableHost", "127.0.0.1");
const publicTablePort = Number(argValue("--tablePort", "10002"));
const innerTablePort = envNumber("TH_AZURITE_TABLE_INNER_PORT", publicTablePort + 100, 1, 65535);
const azuriteArgs = [...args];
const portIndex = azuriteArgs.indexOf("--tablePort");
if (portIndex >= 0) azuriteArgs[portIndex + 1] = String(innerTablePort);
else azuriteArgs.push("--tablePort", String(innerTablePort));

const faultRate = envNumber("TH_FAULT_RATE", 0, 0, 1);
let faultState = envNumber("TH_FAULT_SEED", 1, 0, 2 ** 32 - 1) >>> 0;
const stats = { requests: 0, entityRequests: 0, faults: { 429: 0, 503: 0 }, refused: { 400: 0, 413: 0 }, refusedByCode: {} };

function nextRandom() {
  // mulberry32, as in cosmos-server.js
  faultState = (faultState + 0x6d2b79f5) >>> 0;
  let t = faultState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

// ---- limits ----------------------------------------------------------------------------------------------------

class Refusal {
  constructor(status, code, message) {
    this.status = status;
    this.code = code;
    this.message = message;
  }
}

/** Checks one entity (the JSON body of an insert/update/merge). Returns a Refusal or null. */
function checkEntity(entity) {
  if (!entity || typeof entity !== "object" || Array.isArray(entity)) return null; // Azurite answers malformed bodies itself
  const names = Object.keys(entity).filter(k => !k.includes("@odata."));
  const custom = names.filter(k => k !== "PartitionKey" && k !== "RowKey" && k !== "Timestamp");
  if (custom.length + 3 > MAX_PROPERTIES) {
    return new Refusal(400, "TooManyProperties", `The entity has ${custom.length} properties; at most ${MAX_PROPERTIES - 3} are allowed.`);
  }
  let size = 4 + 2 * (String(entity.PartitionKey || "").length + String(entity.RowKey || "").length);
  for (const name of custom) {
    const value = entity[name];
    const type = entity[`${name}@odata.type`];
    let valueSize;
    if (value === null || value === undefined) valueSize = 0;
    else if (type === "Edm.Binary") {
      const bytes = Buffer.byteLength(String(value), "base64");
      if (bytes > MAX_PROPERTY_BYTES) return new Refusal(400, "PropertyValueTooLarge", `Property '${name}' is ${bytes} bytes; at most ${MAX_PROPERTY_BYTES}.`);
      valueSize = 4 + bytes;
    } else if (type === "Edm.Int64" || type === "Edm.Double" || type === "Edm.DateTime") valueSize = 8;
    else if (type === "Edm.Guid") valueSize = 16;
    else if (typeof value === "string") {
      const bytes = 2 * value.length;
      if (bytes > MAX_PROPERTY_BYTES) return new Refusal(400, "PropertyValueTooLarge", `Property '${name}' is ${bytes} bytes (UTF-16); at most ${MAX_PROPERTY_BYTES}.`);
      valueSize = 4 + bytes;
    } else if (typeof value === "boolean") valueSize = 1;
    else if (typeof value === "number") valueSize = Number.isInteger(value) && Math.abs(value) < 2 ** 31 ? 4 : 8;
    else valueSize = 4 + 2 * JSON.stringify(value).length;
    size += 8 + 2 * name.length + valueSize;
  }
  if (size > MAX_ENTITY_BYTES) return new Refusal(400, "EntityTooLarge", `The entity is ${size} bytes; at most ${MAX_ENTITY_BYTES}.`);
  return null;
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const KEYS_IN_URL = /\(PartitionKey='((?:[^']|'')*)',\s*RowKey='((?:[^']|'')*)'\)/;

/** Checks an entity-group transaction (multipart/mixed body of $batch). */
function checkTransaction(body, contentType) {
  const text = body.toString("utf8");
  const changeset = /boundary=(changeset_[^\s;"\r\n]+)/.exec(text);
  if (!changeset) return null;
  const parts = text.split(`--${changeset[1]}`).slice(1).filter(p => !p.startsWith("--"));
  if (parts.length > MAX_TRANSACTION_OPERATIONS) {
    return new Refusal(400, "InvalidInput", `The transaction has ${parts.length} operations; at most ${MAX_TRANSACTION_OPERATIONS}.`);
  }
  const partitionKeys = new Set();
  for (const part of parts) {
    const request = /^(GET|POST|PUT|PATCH|MERGE|DELETE) (\S+) HTTP\/1\.1/m.exec(part);
    if (!request) continue;
    const keys = KEYS_IN_URL.exec(decodeURIComponent(request[2]));
    const blank = part.indexOf("\r\n\r\n", request.index);
    const json = blank >= 0 ? part.slice(blank + 4).trim() : "";
    const entity = json.startsWith("{") ? parseJson(json) : undefined;
    const pk = keys ? keys[1].replace(/''/g, "'") : entity && entity.PartitionKey;
    if (pk !== undefined) partitionKeys.add(pk);
    const refusal = entity ? checkEntity(entity) : null;
    if (refusal) return refusal;
  }
  if (partitionKeys.size > 1) {
    return new Refusal(400, "CommandsInBatchActOnDifferentPartitions", "All commands in a batch must operate on the same partition key.");
  }
  return null;
}

function isTableManagement(pathname) {
  return /^\/[^/]+\/Tables(\(|$|\/)/.test(pathname) || pathname === "/" || /^\/[^/]+\/?$/.test(pathname);
}

function checkRequest(req, pathname, body) {
  if (isTableManagement(pathname)) return null;
  if (/\/\$batch$/.test(pathname)) return checkTransaction(body, req.headers["content-type"]);
  if (["POST", "PUT", "PATCH", "MERGE"].includes(req.method) && body.length > 0) {
    const entity = parseJson(body.toString("utf8"));
    return entity ? checkEntity(entity) : null;
  }
  return null;
}

// ---- the proxy -------------------------------------------------------------------------------------------------

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function answerError(res, status, code, message) {
  const body = JSON.stringify({ "odata.error": { code, message: { lang: "en-US", value: `${message}\nRequestId:${crypto.randomUUID()}` } } });
  res.writeHead(status, {
    "content-type": "application/json;odata=minimalmetadata;streaming=true;charset=utf-8",
    "x-ms-error-code": code,
    "x-ms-request-id": crypto.randomUUID(),
    "x-ms-version": "2019-02-02",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

function sameSecret(a, b) {
  const x = Buffer.from(String(a));
  const y = Buffer.from(String(b));
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

function forward(req, res, body) {
  const upstream = http.request(
    { host: "127.0.0.1", port: innerTablePort, method: req.method, path: req.url, headers: req.headers, agent },
    upstreamRes => {
      res.writeHead(upstreamRes.statusCode, upstreamRes.headers);
      upstreamRes.pipe(res);
    }
  );
  upstream.on("error", err => {
    if (!res.headersSent) answerError(res, 503, "ServerBusy", `The table service behind the proxy did not answer: ${err.message}`);
    else res.destroy(err);
  });
  upstream.end(body);
}

const proxy = http.createServer((req, res) => {
  stats.requests += 1;
  const pathname = (req.url || "/").split("?")[0];
  if (pathname === "/_th/stats") {
    if (!sameSecret(req.headers["x-th-emulator-key"] || "", ACCOUNT_KEY)) {
      answerError(res, 401, "AuthenticationFailed", "the x-th-emulator-key header must carry the account key");
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ ...stats, faultRate }));
    return;
  }
  const declared = Number(req.headers["content-length"] || 0);
  if (declared > MAX_REQUEST_BYTES) {
    stats.refused[413] += 1;
    answerError(res, 413, "RequestBodyTooLarge", `The request body is ${declared} bytes; at most ${MAX_REQUEST_BYTES}.`);
    req.resume();
    return;
  }
  const chunks = [];
  let size = 0;
  let tooLarge = false;
  req.on("data", chunk => {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) tooLarge = true;
    else chunks.push(chunk);
  });
  req.on("end", () => {
    if (tooLarge) {
      stats.refused[413] += 1;
      answerError(res, 413, "RequestBodyTooLarge", `The request body is over ${MAX_REQUEST_BYTES} bytes.`);
      return;
    }
    const body = Buffer.concat(chunks);
    const refusal = checkRequest(req, pathname, body);
    if (refusal) {
      stats.refused[refusal.status] = (stats.refused[refusal.status] || 0) + 1;
      stats.refusedByCode[refusal.code] = (stats.refusedByCode[refusal.code] || 0) + 1;
      answerError(res, refusal.status, refusal.code, refusal.message);
      return;
    }
    if (!isTableManagement(pathname)) {
      stats.entityRequests += 1;
      if (faultRate > 0 && nextRandom() < faultRate) {
        if (nextRandom() < 0.5) {
          stats.faults[503] += 1;
          answerError(res, 503, "ServerBusy", "The server is busy (fault injected by TH_FAULT_RATE).");
        } else {
          stats.faults[429] += 1;
          answerError(res, 429, "TooManyRequests", "Too many requests (fault injected by TH_FAULT_RATE).");
        }
        return;
      }
    }
    forward(req, res, body);
  });
});
proxy.keepAliveTimeout = 120000;
proxy.headersTimeout = 125000;

// ---- start: Azurite in this process (its entry point reads process.argv), then the proxy ----------------------

process.argv = [process.argv[0], "azurite", ...azuriteArgs];
require(path.join(__dirname, "node_modules", "azurite", "dist", "src", "azurite.js"));

proxy.on("error", err => {
  console.error(`azurite-server: table proxy on ${tableHost}:${publicTablePort}: ${err.message}`);
  process.exit(1);
});
proxy.listen(publicTablePort, tableHost, () => {
  console.log(`azurite-server ready: table limits and faults on http://${tableHost}:${publicTablePort} -> Azurite table ${innerTablePort} (pid ${process.pid}, fault rate ${faultRate})`);
});

function stop() {
  proxy.close();
  if (typeof proxy.closeAllConnections === "function") proxy.closeAllConnections();
  setTimeout(() => process.exit(0), 1500).unref(); // Azurite's own SIGTERM handler closes its servers meanwhile
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
