// Moved to scripts/devnet (the demo uses it too); kept here so tests import their support from one folder.
export * from '../../scripts/devnet/sign.ts';
