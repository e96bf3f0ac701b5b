// peer.mjs sign   --doc FILE --suite eddsa|ecdsa|ed2020 --contexts FILE  → {"signed": DOC, "did": DID}
// peer.mjs verify --doc FILE --contexts FILE                      → {"verified": bool, "error": "…"}
//
// @digitalbazaar/data-integrity with the eddsa-rdfc-2022 / ecdsa-rdfc-2019
// cryptosuites. Keys are did:key; the peer serves the DID's verification
// method and controller document itself (from the DID), contexts from the
// contexts file; nothing is fetched.
import fs from 'node:fs';
import jsigs from 'jsonld-signatures';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsa} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {cryptosuite as ecdsa} from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import {Ed25519VerificationKey2020} from '@digitalbazaar/ed25519-verification-key-2020';

const {AssertionProofPurpose} = jsigs.purposes;
const args = process.argv.slice(2);
const cmd = args[0];
const opt = (name, def) => {
  const i = args.indexOf(name);
  if (i < 0 || i + 1 >= args.length) {
    if (def !== undefined) return def;
    console.error(`missing ${name}`);
    process.exit(2);
  }
  return args[i + 1];
};
const MULTIKEY = 'https://w3id.org/security/multikey/v1';
const multikeyContext = {'@context': {id: '@id', type: '@type', '@protected': true,
  Multikey: {'@id': 'https://w3id.org/security#Multikey', '@context': {'@protected': true, id: '@id', type: '@type',
    controller: {'@id': 'https://w3id.org/security#controller', '@type': '@id'},
    publicKeyMultibase: {'@id': 'https://w3id.org/security#publicKeyMultibase', '@type': 'https://w3id.org/security#multibase'}}}}};

const contexts = JSON.parse(fs.readFileSync(opt('--contexts'), 'utf8'));
contexts[MULTIKEY] = multikeyContext;
const ED2020 = 'https://w3id.org/security/suites/ed25519-2020/v1';
let vmType = 'Multikey';
const vmDoc = (did) => {
  const fp = did.slice('did:key:'.length);
  if (vmType === 'Ed25519VerificationKey2020') {
    return {'@context': ED2020, id: `${did}#${fp}`, type: vmType, controller: did, publicKeyMultibase: fp};
  }
  return {'@context': MULTIKEY, id: `${did}#${fp}`, type: 'Multikey', controller: did, publicKeyMultibase: fp};
};
const documentLoader = async (url) => {
  if (url in contexts) return {contextUrl: null, documentUrl: url, document: contexts[url]};
  if (url.startsWith('did:key:')) {
    const did = url.split('#')[0];
    const vm = vmDoc(did);
    if (url.includes('#')) return {contextUrl: null, documentUrl: url, document: vm};
    return {contextUrl: null, documentUrl: url, document: {'@context': ['https://www.w3.org/ns/did/v1', MULTIKEY],
      id: did, verificationMethod: [vm], assertionMethod: [vm.id]}};
  }
  throw new Error(`document ${url} not held`);
};

try {
  const doc = JSON.parse(fs.readFileSync(opt('--doc'), 'utf8'));
  if (cmd === 'sign' && opt('--suite') === 'ed2020') {
    vmType = 'Ed25519VerificationKey2020';
    const kp = await Ed25519VerificationKey2020.generate();
    const did = `did:key:${kp.fingerprint()}`;
    kp.controller = did;
    kp.id = `${did}#${kp.fingerprint()}`;
    doc.issuer = did;
    const suite = new Ed25519Signature2020({key: kp, date: '2021-04-09T00:00:00Z'});
    const signed = await jsigs.sign(doc, {suite, purpose: new AssertionProofPurpose(), documentLoader});
    console.log(JSON.stringify({signed, did}));
  } else if (cmd === 'sign') {
    const suiteName = opt('--suite');
    const kp = suiteName === 'eddsa' ? await Ed25519Multikey.generate() : await EcdsaMultikey.generate({curve: 'P-256'});
    const fp = kp.publicKeyMultibase || (await kp.export({publicKey: true})).publicKeyMultibase;
    const did = `did:key:${fp}`;
    kp.controller = did;
    kp.id = `${did}#${fp}`;
    doc.issuer = did;
    const suite = new DataIntegrityProof({signer: kp.signer(), cryptosuite: suiteName === 'eddsa' ? eddsa : ecdsa,
      date: '2021-04-09T00:00:00Z'});
    const signed = await jsigs.sign(doc, {suite, purpose: new AssertionProofPurpose(), documentLoader});
    console.log(JSON.stringify({signed, did}));
  } else if (cmd === 'verify') {
    const cs = doc.proof && doc.proof.cryptosuite === 'ecdsa-rdfc-2019' ? ecdsa : eddsa;
    const res = await jsigs.verify(doc, {suite: new DataIntegrityProof({cryptosuite: cs}), purpose: new AssertionProofPurpose(), documentLoader});
    const e = res.error && ((res.error.errors && res.error.errors[0]) || res.error);
    console.log(JSON.stringify({verified: !!res.verified, error: e ? String(e.message || e) : ''}));
  } else {
    console.error('usage: peer.mjs sign|verify …');
    process.exit(2);
  }
} catch (e) {
  console.log(JSON.stringify({error: String(e && e.stack || e)}));
}
