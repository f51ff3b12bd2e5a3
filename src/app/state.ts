import type { WebhookInbox } from '../cluster/inbox.js';
import type { LeaseRepository, Term } from '../cluster/lease.js';
import type { SilenceTargetRepository } from '../delivery/silence-targets.js';
import type { Outbox } from '../delivery/ports.js';
import type { StatusBoardStore } from '../delivery/status-board.js';
import type { EngineRepository } from '../engine/ports.js';
import type { IncidentRepository } from '../incidents/ports.js';
import type { SubscriptionRepository } from '../incidents/subscriptions.js';
import type { StateStore } from '../watchdog/dead-mans-switch.js';

/** amcord's durable state, as the layers that use it declared it. */
export interface State {
  engine: EngineRepository;
  outbox: Outbox & { prune(messagesBefore: number, deadBefore: number): Promise<void> };
  silenceTargets: SilenceTargetRepository;
  incidents: IncidentRepository & { prune(before: number): Promise<void> };
  subscriptions: SubscriptionRepository;
  watchdog: StateStore;
  statusBoards: StatusBoardStore;
  /** Why storage is not taking writes right now (for /readyz), or undefined while it is. */
  storageStatus: () => string | undefined;
  /** Where the state is, for the start-up log: never a password. */
  location: string;
  /** Present when several replicas may share the state (PostgreSQL); SQLite has one process by its lock. */
  replication?: Replication;
}

/** What replicas sharing the state need: the leader's lease, the webhook inbox, and fencing of writes. */
export interface Replication {
  lease: LeaseRepository;
  inbox: WebhookInbox;
  leaseDurationMs: number;
  /**
   * Lets the leader's writes through while `term` is the lease's current one; undefined: this
   * replica stands by. `onRefused` hears of a leader's write refused because the term ended.
   */
  fence(term: Term | undefined, onRefused: (reason: string) => void): void;
}

export interface StateOptions {
  /** Told of every write storage could not take. */
  onStorageError?: () => void;
}
