// A forked shard of a large simulated fleet; the parent (simulation.ts) drives it over IPC.
import { runShard } from './simulation.js';

// Ctrl-C reaches the whole process group: the parent decides when a shard stops.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
runShard();
