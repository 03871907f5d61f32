// Hardhat 2 configuration of the local test chain (CommonJS because the package is an ES module).
module.exports = { networks: { hardhat: { chainId: 31337 } } };
