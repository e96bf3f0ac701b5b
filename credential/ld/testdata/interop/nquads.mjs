// nquads.mjs --cases FILE
// Canonicalises N-Quads datasets with rdf-canonize (RDFC-1.0). FILE is
// {"name": "n-quads", …}; prints {"results": {"name": {"nquads": "…"} or
// {"error": "…"}, …}} (an error for a graph over the work bound:
// rdf-canonize stops after maxDeepIterations Hash N-Degree runs).
import fs from 'node:fs';
import canonize from 'rdf-canonize';

const args = process.argv.slice(2);
const i = args.indexOf('--cases');
if (i < 0 || i + 1 >= args.length) {
  console.error('missing --cases');
  process.exit(2);
}
const cases = JSON.parse(fs.readFileSync(args[i + 1], 'utf8'));
const results = {};
for (const [name, input] of Object.entries(cases)) {
  try {
    results[name] = {nquads: await canonize.canonize(input, {algorithm: 'RDFC-1.0', inputFormat: 'application/n-quads',
      format: 'application/n-quads', maxDeepIterations: 1000})};
  } catch (e) {
    results[name] = {error: String(e && e.message || e)};
  }
}
console.log(JSON.stringify({results}));
