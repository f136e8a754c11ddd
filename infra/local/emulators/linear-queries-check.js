#!/usr/bin/env node
/*
 * Checks and measures linear-queries.js (fix 8 of cosmos-server.js) against the package's own query engine.
 *
 *   node linear-queries-check.js            same results, page by page, with and without the fix, for query shapes
 *                                           the package supports (SELECT *, WHERE, VALUE COUNT, ORDER BY, JOIN,
 *                                           JOIN subquery, projections, undefined values); exit 1 on a difference
 *   node linear-queries-check.js --bench N  times SELECT * FROM c (one 100-item page, all pages, unpaged) and
 *                                           SELECT VALUE COUNT(1) over N user-document-shaped items, both ways
 *
 * Each way runs in its own node process (the fix patches the package's modules for the whole process).
 */
"use strict";

const { execFileSync } = require("child_process");
const crypto = require("crypto");

const QUERIES = [
  "SELECT * FROM c",
  "SELECT * FROM c WHERE c.n = 2",
  "SELECT VALUE COUNT(1) FROM c",
  "SELECT c.id FROM c ORDER BY c._ts",
  "SELECT c.id, t.name FROM c JOIN t IN c.tags",
  "SELECT c.id, p.p FROM c JOIN k IN c.kids JOIN p IN k.pets WHERE p.p > 100",
  "SELECT VALUE c.x FROM c",
  "SELECT c.id FROM c WHERE ARRAY_LENGTH(c.tags) > 1",
  "SELECT c.id FROM c JOIN (SELECT VALUE t FROM t IN c.tags WHERE t.name = 'b') t"
];

function checkDocuments() {
  const docs = [];
  for (let i = 0; i < 300; i += 1) {
    docs.push({
      id: `u-${i}`, userId: `u-${i % 7}`, n: i % 5,
      tags: i % 3 ? [{ name: `a${i % 4}` }, { name: "b" }] : undefined,
      kids: [{ pets: [{ p: i }, { p: i + 1 }] }],
      x: [1, undefined, 2],
      _rid: `r${String(i).padStart(5, "0")}`, _ts: i % 11
    });
  }
  return docs;
}

function userDocuments(n) {
  const docs = [];
  for (let i = 0; i < n; i += 1) {
    docs.push({
      id: `u-${i}`, userId: `u-${i}`, schema: 2, version: 3, types: ["view", "click", "share", "claim", "purchase"],
      firstEventTime: "2026-03-02T08:15:30+00:00", lastEventTime: "2026-03-02T08:17:30+00:00",
      delivery: { w: "x".repeat(200), d: "y".repeat(300) },
      features: {
        events: { a: "count", n: [1, 1, 0, 0, 1], w: { minute: "A".repeat(300), hour: "B".repeat(100), day: "C".repeat(60) } },
        value: { a: "sum", s: [1, 1, 0, 0, 4.99] },
        recentItems: { a: "lastDistinct", ids: ["item-3", "item-7"], at: [1, 2] },
        distinctItems: { a: "approxDistinct", hll: "D".repeat(400) }
      },
      _rid: `r${String(i).padStart(8, "0")}`, _etag: "e", _ts: 1
    });
  }
  return docs;
}

function allPages(Query, query, docs, maxItemCount) {
  const q = Query(query);
  let page = q.exec(docs, { maxItemCount });
  const pages = [page.result];
  while (page.continuation) {
    page = q.exec(docs, { maxItemCount, continuation: page.continuation });
    pages.push(page.result);
  }
  return pages;
}

function child(mode, fixed, n) {
  if (fixed && !require("./linear-queries").install()) throw new Error("linear-queries.js did not apply");
  const Query = require("@zeit/cosmosdb-query").default;
  if (mode === "check") {
    const docs = checkDocuments();
    return QUERIES.map(q => `${q} => ${crypto.createHash("sha256").update(JSON.stringify(allPages(Query, q, docs, 50))).digest("hex")}`);
  }
  const docs = userDocuments(n);
  const time = f => { const t = process.hrtime.bigint(); f(); return Number(process.hrtime.bigint() - t) / 1e6; };
  return [
    `one 100-item page of SELECT * FROM c: ${time(() => Query("SELECT * FROM c").exec(docs, { maxItemCount: 100 })).toFixed(0)} ms`,
    `all ${Math.ceil(n / 100)} 100-item pages of SELECT * FROM c: ${n > 5000 && !fixed ? "skipped (about the pages times one page)" : `${time(() => allPages(Query, "SELECT * FROM c", docs, 100)).toFixed(0)} ms`}`,
    `SELECT * FROM c unpaged: ${time(() => Query("SELECT * FROM c").exec(docs, {})).toFixed(0)} ms`,
    `SELECT VALUE COUNT(1) FROM c: ${time(() => Query("SELECT VALUE COUNT(1) FROM c").exec(docs, {})).toFixed(0)} ms`
  ];
}

const args = process.argv.slice(2);
if (args[0] === "--child") {
  process.stdout.write(JSON.stringify(child(args[1], args[2] === "fixed", Number(args[3]))));
  process.exit(0);
}
const bench = args[0] === "--bench";
const n = bench ? Number(args[1] || 28500) : 0;
const run = fixed => JSON.parse(execFileSync(process.execPath, [__filename, "--child", bench ? "bench" : "check", fixed ? "fixed" : "package", String(n)],
  { cwd: __dirname, encoding: "utf8", maxBuffer: 1 << 24 }));
const withFix = run(true);
if (bench) {
  const without = run(false);
  console.log(`${n} documents (node ${process.version}):`);
  without.forEach((line, i) => console.log(`  package: ${line}\n  fixed:   ${withFix[i]}`));
  process.exit(0);
}
const without = run(false);
let differences = 0;
without.forEach((line, i) => {
  if (line !== withFix[i]) {
    differences += 1;
    console.log(`DIFFERENT: ${line} | fixed: ${withFix[i]}`);
  }
});
console.log(differences === 0 ? `same results for ${QUERIES.length} query shapes, page by page` : `${differences} of ${QUERIES.length} differ`);
process.exit(differences === 0 ? 0 : 1);
