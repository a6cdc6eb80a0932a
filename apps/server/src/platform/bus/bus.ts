/**
 * Domain events inside the server (ARCHITECTURE.md "bus"). Today one process
 * delivers them to itself; in cluster mode NATS carries them between processes
 * (issue 8). So that the swap changes nothing for publishers and subscribers:
 * topics are NATS-style subject names, events are plain JSON-serialisable
 * objects, publishing never waits for subscribers, and a failing subscriber
 * never fails the publisher.
 */

/** Where something happened to a device: enough for a subscriber to decide who may hear of it. */
export interface DeviceEvent {
  tenantId: string;
  organizationId: string;
  siteId: string;
  deviceId: string;
}

/** Every topic and its event. Modules add theirs here, with the data a subscriber needs to scope it. */
export interface BusEvents {
  /** An agent connected (GW1). */
  'device.online': DeviceEvent;
  /** Its socket closed or went silent. */
  'device.offline': DeviceEvent;
  /** Inventory, settings or revocation changed. */
  'device.updated': DeviceEvent;
  /** A new device enrolled (AGT1). */
  'device.enrolled': DeviceEvent;
  /** A device was deleted. */
  'device.deleted': DeviceEvent;
  /** Runs were queued for these devices (or approved, or a schedule fired): gateways holding them deliver. */
  'commands.queued': { tenantId: string; deviceIds: string[] };
  /** Runs to stop: gateways holding their devices send `command.cancel`. */
  'commands.cancel': { tenantId: string; runs: { runId: string; deviceId: string }[] };
  /** A run changed status (queued, sent, running, a final state). */
  'run.updated': RunEvent;
  /** A chunk of a run's live output. */
  'run.output': RunEvent & { seq: number; stream: 'stdout' | 'stderr'; data: string };
  /** A task was created, approved, rejected (its runs' counts changed). */
  'task.updated': { tenantId: string; taskId: string };
}

/** Where a run happened, and which run. */
export interface RunEvent extends DeviceEvent {
  runId: string;
  taskId: string;
  status: string;
}

export type Topic = keyof BusEvents;
export type BusHandler<T extends Topic> = (topic: T, event: BusEvents[T]) => void | Promise<void>;

export interface Bus {
  /** Fire and forget: delivered after the caller returns, never inside the caller's transaction. */
  publish<T extends Topic>(topic: T, event: BusEvents[T]): void;
  /** Returns the function that unsubscribes. */
  subscribe<T extends Topic>(topics: readonly T[], handler: BusHandler<T>): () => void;
}

/** The single-process bus of embedded mode. */
export class LocalBus implements Bus {
  private readonly handlers = new Map<Topic, Set<BusHandler<Topic>>>();

  constructor(private readonly onError: (error: unknown, topic: Topic) => void = () => undefined) {}

  publish<T extends Topic>(topic: T, event: BusEvents[T]): void {
    const subscribers = this.handlers.get(topic);
    if (!subscribers || subscribers.size === 0) return;
    // A copy, as NATS would deliver: no subscriber can change what the next one sees.
    const copy = JSON.parse(JSON.stringify(event)) as BusEvents[T];
    for (const handler of subscribers) {
      queueMicrotask(() => {
        try {
          const result = handler(topic, copy);
          if (result) result.catch((error: unknown) => this.onError(error, topic));
        } catch (error) {
          this.onError(error, topic);
        }
      });
    }
  }

  subscribe<T extends Topic>(topics: readonly T[], handler: BusHandler<T>): () => void {
    const erased = handler as unknown as BusHandler<Topic>;
    for (const topic of topics) {
      let set = this.handlers.get(topic);
      if (!set) this.handlers.set(topic, (set = new Set()));
      set.add(erased);
    }
    return () => {
      for (const topic of topics) this.handlers.get(topic)?.delete(erased);
    };
  }
}
