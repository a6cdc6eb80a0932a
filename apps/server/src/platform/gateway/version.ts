import { createRequire } from 'node:module';

// src/platform/gateway and dist/platform/gateway are both three levels below the package.
const pkg = createRequire(import.meta.url)('../../../package.json') as { version: string };

/** This server's version, as agents are told it in hello, enroll and welcome. */
export const SERVER_VERSION: string = pkg.version;
