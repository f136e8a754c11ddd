/*
 * Fix 8 of the Cosmos emulator's fix layer (see cosmos-server.js): queries in time linear in the container's size.
 *
 * The query engine of the npm package (`@zeit/cosmosdb-query`, used by `@vercel/cosmosdb-server`) compiles SQL to
 * JavaScript whose FROM clause collects the rows with `collection.reduce(($, c) => [...$, { c }], [])`: every
 * document copies the whole accumulator, so one query over N documents copies N²/2 elements. Its `stripUndefined`
 * helper does the same on every array it returns. Measured with 28,500 user documents (node 20, shared machine):
 * 6.7 s for each 100-item page of `SELECT * FROM c` (285 pages, ~32 min for the container), 14 s unpaged, 7 s for
 * `SELECT VALUE COUNT(1) FROM c`; with this fix 3.4-7.2 s for all 285 pages, 0.6-1.5 s unpaged, 0.02-0.04 s for the
 * count (docs/BENCHMARKS.md#chaos; `node linear-queries-check.js --bench 28500` measures, without --bench checks
 * that the results are the same).
 *
 * The fix changes no result, only the cost:
 *   - the compiled query's accumulate-by-spread (`[...$, x]` / `[...$, ...xs]` as the body of a `reduce(fn, [])`
 *     whose accumulator is that fresh `[]`) becomes an append to the accumulator (`($.push(x), $)`): the
 *     accumulator is the reduce's own new array, never seen by anyone else until the reduce returns;
 *   - `stripUndefined` builds arrays with a loop.
 * Both are patched on the package's module objects, which the package reads at call time (`transformer_1.default`,
 * `$h.stripUndefined`, `exports.stripUndefined`), before the first query is compiled.
 */
"use strict";

const QUERY_LIB = "@zeit/cosmosdb-query/lib";

/** Whether the node is `reduce(fn, [])` (a call whose callee's property is `reduce` and second argument `[]`). */
function isReduceIntoNewArray(node) {
  return node.type === "CallExpression" &&
    node.callee && node.callee.type === "MemberExpression" && node.callee.property && node.callee.property.name === "reduce" &&
    node.arguments.length === 2 && node.arguments[1].type === "ArrayExpression" && node.arguments[1].elements.length === 0 &&
    node.arguments[0].type === "ArrowFunctionExpression" &&
    node.arguments[0].params[0] && node.arguments[0].params[0].type === "Identifier";
}

/** `[...acc, a, ...b]` -> `(acc.push(a), $h.appendAll(acc, b), acc)`, or null if the node is not such a spread. */
function appendInstead(node, acc) {
  if (!node || node.type !== "ArrayExpression" || node.elements.length < 1) return null;
  const [first, ...rest] = node.elements;
  if (!first || first.type !== "SpreadElement" || first.argument.type !== "Identifier" || first.argument.name !== acc) return null;
  const accNode = () => ({ type: "Identifier", name: acc });
  const steps = rest.map(element => element && element.type === "SpreadElement"
    ? {
        type: "CallExpression",
        callee: { type: "MemberExpression", object: { type: "Identifier", name: "$h" }, property: { type: "Identifier", name: "appendAll" } },
        arguments: [accNode(), element.argument]
      }
    : {
        type: "CallExpression",
        callee: { type: "MemberExpression", object: accNode(), property: { type: "Identifier", name: "push" } },
        arguments: [element]
      });
  return { type: "SequenceExpression", expressions: [...steps, accNode()] };
}

/** Rewrites, in place, every `reduce(($, x) => [...$, …] | cond ? [...$, …] : $, [])` of a compiled query's AST. */
function rewrite(node) {
  if (!node || typeof node !== "object") return;
  if (Array.isArray(node)) {
    node.forEach(rewrite);
    return;
  }
  if (isReduceIntoNewArray(node)) {
    const fn = node.arguments[0];
    const acc = fn.params[0].name;
    const body = fn.body;
    const direct = appendInstead(body, acc);
    if (direct) fn.body = direct;
    else if (body.type === "ConditionalExpression") {
      const consequent = appendInstead(body.consequent, acc);
      if (consequent) body.consequent = consequent;
      const alternate = appendInstead(body.alternate, acc);
      if (alternate) body.alternate = alternate;
    }
  }
  for (const key of Object.keys(node)) {
    if (key !== "type") rewrite(node[key]);
  }
}

function stripUndefined(obj) {
  if (Array.isArray(obj)) {
    const result = [];
    for (const v of obj) {
      if (typeof v !== "undefined") result.push(stripUndefined(v));
    }
    return result;
  }
  if (obj && typeof obj === "object") {
    const result = {};
    for (const [k, v] of Object.entries(obj)) {
      if (typeof v !== "undefined") result[k] = stripUndefined(v);
    }
    return result;
  }
  return obj;
}

function appendAll(target, values) {
  if (values == null) return target;
  for (const v of values) target.push(v);
  return target;
}

/** Installs the fix; returns true when the compiled `SELECT * FROM c` no longer accumulates by spread. */
function install() {
  const transformer = require(`${QUERY_LIB}/transformer`);
  const helpers = require(`${QUERY_LIB}/helpers`);
  const original = transformer.default;
  transformer.default = ast => {
    const jsAst = original(ast);
    rewrite(jsAst);
    return jsAst;
  };
  helpers.stripUndefined = stripUndefined;
  helpers.appendAll = appendAll;
  const code = require(QUERY_LIB).default("SELECT * FROM c WHERE c.a = 1").code;
  return !code.includes("[...$");
}

module.exports = { install };
