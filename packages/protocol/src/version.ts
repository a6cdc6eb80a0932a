/**
 * The protocol version this build speaks. It goes up by one whenever a
 * message is added or changed; CHANGELOG.md says what changed and when.
 */
export const PROTOCOL_VERSION = 2;

/** The oldest protocol version this build still understands. */
export const MIN_PROTOCOL_VERSION = 1;

/**
 * The largest frame either side accepts, in bytes of UTF-8 JSON. A frame
 * above it is refused before it is parsed (security.md 20). Sized for a full
 * inventory with a few thousand installed packages.
 */
export const MAX_FRAME_BYTES = 1024 * 1024;

/** The WebSocket path of the gateway, and the bootstrap and enrollment endpoints. */
export const AGENT_SOCKET_PATH = '/agent/v1/ws';
export const HELLO_PATH = '/api/agent/v1/hello';
export const ENROLL_PATH = '/api/agent/v1/enroll';
