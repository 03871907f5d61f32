// Moved to scripts/devnet/treasury.ts (the demo uses it too); kept here so tests import their support from one folder.
export * from '../../scripts/devnet/treasury.ts';
