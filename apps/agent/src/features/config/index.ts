import type { Feature } from '../../registry.js';

/** Settings pushed by the server (GW6), applied at once: the session reschedules every timer. */
export function createConfigFeature(): Feature {
  return {
    name: 'config',
    handles: {
      config: (frame, session) => session.applyConfig(frame.payload.config),
    },
  };
}
