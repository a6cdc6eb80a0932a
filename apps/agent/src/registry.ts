import type {
  AgentConfig,
  AgentMessageType,
  AgentPayload,
  REPLIES,
  RequestType,
  ServerFrame,
  ServerMessageType,
  ServerPayload,
} from '@cloudrmm/protocol';
import type { Logger } from './log.js';
import { createCommandsFeature } from './features/commands/index.js';
import { createConfigFeature } from './features/config/index.js';
import { createDiskUsageFeature } from './features/disk-usage/index.js';
import { createInventoryFeature } from './features/inventory/index.js';
import { createProcessesFeature } from './features/processes/index.js';
import { createStatusFeature } from './features/status/index.js';

export type FrameOf<T extends ServerMessageType> = Extract<ServerFrame, { type: T }>;

/** What a feature sees of the live connection. */
export interface Session {
  readonly deviceId: string;
  /** The partner this device was enrolled into. */
  readonly partnerId: string;
  /** The agent's state directory (root-only). */
  readonly stateDir: string;
  readonly config: AgentConfig;
  /** The hash of the inventory the server holds (from `welcome`). */
  readonly serverInventoryHash: string | null;
  send<T extends AgentMessageType>(type: T, payload: AgentPayload<T>, options?: { re?: string }): boolean;
  applyConfig(config: AgentConfig): void;
  readonly log: Logger;
}

type Notifications = {
  [T in Exclude<ServerMessageType, RequestType | 'welcome' | 'error'>]?: (frame: FrameOf<T>, session: Session) => void;
};
type Requests = {
  [T in RequestType]?: (payload: ServerPayload<T>, session: Session) => Promise<AgentPayload<(typeof REPLIES)[T]>>;
};

/** A capability of the agent: the server messages it answers and what it does while connected. */
export interface Feature {
  name: string;
  handles?: Notifications;
  /** Requests, answered with the reply type in REPLIES; a throw becomes an `error` frame. */
  answers?: Requests;
  /**
   * A frame of a type this feature handles failed its payload check. Returns
   * true when it answered; otherwise (or without this hook) the agent answers
   * an `error` frame.
   */
  malformed?(type: string, payload: unknown, message: string, session: Session): boolean;
  /** How many of this feature's requests may run at once; more are answered `busy`. */
  concurrency?: number;
  /** The session is established (`welcome` arrived). */
  start?(session: Session): void;
  /** The config changed: reschedule timers. */
  configure?(session: Session): void;
  /** The connection is gone: stop timers. */
  stop?(): void;
}

/** Maps server message types to the one feature that handles each; refuses duplicates. */
export class Registry {
  readonly features: Feature[] = [];
  private readonly owners = new Map<string, Feature>();

  register(feature: Feature): this {
    const types = [...Object.keys(feature.handles ?? {}), ...Object.keys(feature.answers ?? {})];
    for (const type of types) {
      const owner = this.owners.get(type);
      if (owner)
        throw new Error(`"${type}" is already handled by the ${owner.name} feature; ${feature.name} cannot handle it too`);
    }
    for (const type of types) this.owners.set(type, feature);
    this.features.push(feature);
    return this;
  }

  ownerOf(type: string): Feature | undefined {
    return this.owners.get(type);
  }
}

/** Every feature of the agent. Removing a feature is deleting its folder and its line here. */
export function createRegistry(options: { env?: NodeJS.ProcessEnv } = {}): Registry {
  const inventory = createInventoryFeature();
  return new Registry()
    .register(createConfigFeature())
    .register(inventory)
    .register(createStatusFeature())
    .register(createProcessesFeature())
    .register(createDiskUsageFeature())
    .register(createCommandsFeature({ env: options.env ?? process.env, refreshInventory: () => inventory.refresh() }));
}
