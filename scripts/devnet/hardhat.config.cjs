// Hardhat 2 configuration of the local test chain (CommonJS because the package is an ES module).
// Logging off: the node otherwise traces and prints every call, which makes large eth_calls ~10x slower.
module.exports = { networks: { hardhat: { chainId: 31337, loggingEnabled: false } } };
