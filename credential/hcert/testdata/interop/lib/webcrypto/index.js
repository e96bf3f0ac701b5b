// Node's own WebCrypto, in the shape isomorphic-webcrypto exports on Node.
// require('crypto'), not 'node:crypto': the SDK's old esm loader cannot
// resolve node: specifiers. The methods are bound because that loader copies
// the export, and WebCrypto's getters check their receiver.
'use strict';
const { webcrypto } = require('crypto');
const shim = {
  subtle: webcrypto.subtle,
  getRandomValues: (a) => webcrypto.getRandomValues(a),
};
module.exports = shim;
module.exports.default = shim;
