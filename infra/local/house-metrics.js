// The house figures: README size, comment characters per code character in Core, public top-level types under
// functions/, the longest doc block, doc blocks of 10+ lines, C# lines over 120 characters, ticket numbers in C# comments.
// Usage: node infra/local/house-metrics.js [repository root]
const fs = require('fs'), path = require('path');
const root = process.argv[2] || '.';
function walk(dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (['bin', 'obj', 'node_modules', '.git', '.th'].includes(e.name)) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out); else if (p.endsWith('.cs')) out.push(p);
  }
  return out;
}
const core = walk(path.join(root, 'functions/TreasureHunt.Core'));
let comment = 0, code = 0;
for (const f of core) for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
  const t = line.trim();
  if (t.startsWith('//')) { comment += t.length; continue; }
  const i = t.indexOf(' // ');
  if (i >= 0 && !t.slice(0, i).includes('"')) { comment += t.length - i; code += i; } else code += t.length;
}
const fns = walk(path.join(root, 'functions'));
let pub = 0, types = 0;
const typeRe = /^\s*((?:public|internal|private|protected|file)\s+)?((?:static|sealed|abstract|partial|readonly|ref|record)\s+)*(class|struct|interface|enum|record)\s+\w+/;
for (const f of fns) for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
  const m = typeRe.exec(line);
  if (!m || /^\s{8,}/.test(line)) continue; // nested types (indented twice) are not counted
  if (/^\s{4}/.test(line) && !/^namespace/.test(line)) { /* types inside file-scoped namespaces are at column 0 */ }
  types++; if ((m[1] || '').trim() === 'public') pub++;
}
const all = walk(root).filter(f => !f.includes('/tests/TreasureHunt.Testing/Generated'));
let longest = { n: 0, where: '' }, blocks10 = 0, over120 = 0, tickets = 0;
for (const f of all) {
  const lines = fs.readFileSync(f, 'utf8').split('\n');
  let run = 0;
  lines.forEach((line, i) => {
    if (line.length > 120) over120++;
    if (/\b(issue|ticket)s?\s+#?\d+|#\d{1,3}\b/i.test(line) && line.trim().startsWith('//')) tickets++;
    if (line.trim().startsWith('///')) { run++; } else { if (run >= 10) blocks10++; if (run > longest.n) longest = { n: run, where: `${path.relative(root, f)}:${i - run + 1}` }; run = 0; }
  });
}
const readme = fs.statSync(path.join(root, 'README.md')).size;
console.log(JSON.stringify({ readmeBytes: readme, coreCommentPerCodeChar: +(comment / code).toFixed(3), functionsTypes: types, functionsPublicTypes: pub,
  longestDocBlockLines: longest.n, longestDocBlockAt: longest.where, docBlocksOf10OrMoreLines: blocks10, csLinesOver120: over120, ticketReferencesInCsComments: tickets }, null, 1));
