declare const __AGENT_VERSION__: string | undefined;

/** The agent's own version: injected by the bundler; tests run from source see the dev marker. */
export const AGENT_VERSION: string = typeof __AGENT_VERSION__ === 'string' ? __AGENT_VERSION__ : '0.0.0-dev';
