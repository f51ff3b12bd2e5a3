import type { WebhookPayload } from '../alertmanager/webhook.js';
import type { Logger } from '../log/logger.js';
import type { Sleep } from '../util/sleep.js';

/**
 * Webhooks every replica takes, kept in the shared database until the leader has applied them.
 * Any replica may answer Alertmanager once its webhook is in the inbox; only the leader changes
 * groups, so the engine keeps a single writer and Alertmanager's semantics. Declared here,
 * implemented by `store/`.
 */
export interface QueuedWebhook {
  id: number;
  payload: WebhookPayload;
}

export interface WebhookInbox {
  /** Commits the webhook; resolves once it is durable. */
  append(payload: WebhookPayload, now: number): Promise<void>;
  /** The oldest queued webhooks, in the order they were committed (by id). */
  oldest(limit: number): Promise<QueuedWebhook[]>;
  /** Applied webhooks leave; only the leader may remove them. */
  remove(ids: readonly number[]): Promise<void>;
}

export interface InboxDrainOptions {
  inbox: WebhookInbox;
  /** The pipeline's start (routes, then groups): resolves once what the webhook carried is committed. */
  apply(payload: WebhookPayload): Promise<void>;
  sleep: Sleep;
  logger: Logger;
  /** How often other replicas' webhooks are looked for; the leader's own wake it at once. */
  pollIntervalMs: number;
  /** Between tries when storage fails: first wait, doubled up to the cap. */
  retry: { initialMs: number; maxMs: number };
}

const BATCH = 100;

/**
 * The leader's side of the inbox: applies queued webhooks oldest first, then removes them. A
 * leader that dies between the two leaves them to the next, which applies them again; that is
 * harmless, because applying a webhook merges alerts by fingerprint (the same alert twice is one
 * alert) and dedup sends nothing for a group whose alerts did not change.
 */
export class InboxDrain {
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp = new AbortController();
  private readonly stopping = new AbortController();
  private pending = false;

  constructor(private readonly options: InboxDrainOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** A webhook was queued: look now. */
  wake(): void {
    this.pending = true;
    this.wakeUp.abort();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping.abort();
    this.wakeUp.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { inbox, sleep, pollIntervalMs } = this.options;
    while (this.running) {
      this.pending = false;
      const batch = await this.persist(() => inbox.oldest(BATCH), 'read the inbox');
      if (!batch || !this.running) return;
      if (batch.length === 0) {
        if (this.pending) continue;
        await sleep(pollIntervalMs, this.wakeUp.signal).catch(() => undefined);
        if (this.wakeUp.signal.aborted) this.wakeUp = new AbortController();
        continue;
      }
      // Applied together, in order: the engine commits webhooks that arrive together at once.
      const applyAll = (): Promise<boolean> => Promise.all(batch.map((webhook) => this.options.apply(webhook.payload))).then(() => true);
      if (!(await this.persist(applyAll, 'apply queued webhooks'))) return;
      const ids = batch.map((webhook) => webhook.id);
      if (!(await this.persist(() => inbox.remove(ids).then(() => true), 'remove applied webhooks'))) return;
    }
  }

  /** Tried again, with growing waits, until it succeeds; undefined once the drain stops. */
  private async persist<T>(call: () => Promise<T>, what: string): Promise<T | undefined> {
    const { retry, logger, sleep } = this.options;
    for (let failures = 0; this.running; failures += 1) {
      try {
        return await call();
      } catch (error) {
        const waitMs = Math.min(retry.maxMs, retry.initialMs * 2 ** failures);
        logger.error({ err: error instanceof Error ? error.message : String(error), retryInMs: waitMs }, `could not ${what}; trying again`);
        await sleep(waitMs, this.stopping.signal).catch(() => undefined);
      }
    }
    return undefined;
  }
}
