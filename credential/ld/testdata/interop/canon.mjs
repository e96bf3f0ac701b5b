// canon.mjs --doc FILE --contexts FILE
// Canonicalises a JSON-LD document with jsonld.js + rdf-canonize (RDFC-1.0)
// using only the contexts in the contexts file ({"url": document, …}); any
// other URL is an error, never a fetch. Prints {"nquads": "…"} or
// {"error": "…"}.
import fs from 'node:fs';
import jsonld from 'jsonld';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  if (i < 0 || i + 1 >= args.length) {
    console.error(`missing ${name}`);
    process.exit(2);
  }
  return args[i + 1];
};
const doc = JSON.parse(fs.readFileSync(opt('--doc'), 'utf8'));
const contexts = JSON.parse(fs.readFileSync(opt('--contexts'), 'utf8'));
const documentLoader = async (url) => {
  if (!(url in contexts)) {
    throw new Error(`context ${url} not held`);
  }
  return {contextUrl: null, documentUrl: url, document: contexts[url]};
};
try {
  const nquads = await jsonld.canonize(doc, {
    algorithm: 'RDFC-1.0', format: 'application/n-quads', documentLoader, safe: true,
    // rdf-canonize bounds its own work: by default as many Hash N-Degree
    // calls as there are blank nodes with shared first-degree hashes
    // (maxWorkFactor 1); the symmetric test graph needs more.
    canonizeOptions: {maxDeepIterations: 1000},
  });
  console.log(JSON.stringify({nquads}));
} catch (e) {
  console.log(JSON.stringify({error: String(e && e.message || e)}));
}
