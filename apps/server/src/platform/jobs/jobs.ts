import PgBoss from 'pg-boss';
import type { Logger } from 'pino';

/**
 * Background work of the worker role, on pg-boss. pg-boss keeps its own schema
 * (`pgboss`), which it creates and migrates with the owner account.
 */
export class Jobs {
  private constructor(
    private readonly boss: PgBoss,
    private readonly log: Logger,
  ) {}

  static async start(ownerUrl: string, log: Logger): Promise<Jobs> {
    const boss = new PgBoss({ connectionString: ownerUrl, schema: 'pgboss', application_name: 'cloudrmm-worker' });
    boss.on('error', (error) => {
      // 57P01: Postgres is shutting down (Ctrl-C reaches it too); not worth an alarm.
      if ((error as { code?: string }).code === '57P01') return;
      log.error({ err: error }, 'job queue error');
    });
    await boss.start();
    return new Jobs(boss, log);
  }

  /** Runs handler on a cron schedule; pg-boss makes sure one worker of the cluster runs each firing. */
  async every(name: string, cron: string, handler: () => Promise<void>): Promise<void> {
    await this.boss.createQueue(name);
    await this.boss.schedule(name, cron, undefined, { tz: 'UTC' });
    await this.boss.work(name, async () => {
      try {
        await handler();
      } catch (error) {
        this.log.error({ err: error, job: name }, 'job failed');
        throw error;
      }
    });
  }

  async stop(): Promise<void> {
    await this.boss.stop({ graceful: true, timeout: 10_000 });
  }
}
