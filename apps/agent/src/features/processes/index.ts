import type { Feature } from '../../registry.js';
import { sampleProcesses } from './sample.js';

/** `processes.list` on demand (AGT7). */
export function createProcessesFeature(): Feature {
  return {
    name: 'processes',
    concurrency: 2,
    answers: {
      'processes.list': (payload) => sampleProcesses(payload.sort ?? 'cpu', payload.limit ?? 200),
    },
  };
}
