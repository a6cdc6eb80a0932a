// The CloudRMM agent protocol. Server and agent both import this package; it imports neither.
export * from './version.js';
export * from './bootstrap.js';
export * from './inventory.js';
export * from './commands.js';
export * from './messages.js';
export * from './codec.js';
