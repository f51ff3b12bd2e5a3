import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualTime, settle } from '../../test/support/manual-time.js';
import type { LeaseAttempt, LeaseRepository, Term } from './lease.js';
import { Leadership, type StepDownCause } from './leadership.js';

const DURATION = 15_000;

/** The lease as the database keeps it, on the same manual clock; `hang` makes acquire() never answer. */
class MemoryLease implements LeaseRepository {
  holder = '';
  token = 0;
  expiresAt = Number.NEGATIVE_INFINITY;
  down = false;
  hang = false;
  releases: Term[] = [];

  constructor(private readonly time: ManualTime) {}

  acquire(holder: string, durationMs: number, options: { takeOver?: boolean } = {}): Promise<LeaseAttempt> {
    if (this.hang) return new Promise(() => undefined);
    if (this.down) return Promise.reject(new Error('connection refused'));
    const now = this.time.now();
    const live = this.expiresAt > now;
    const renewed = this.holder === holder;
    if (!renewed && (live || options.takeOver === false)) return Promise.resolve({ held: false, holder: this.holder, remainingMs: Math.max(0, this.expiresAt - now) });
    if (!renewed) this.token += 1;
    this.holder = holder;
    this.expiresAt = now + durationMs;
    return Promise.resolve({ held: true, term: { holder, token: this.token }, renewed });
  }

  release(term: Term): Promise<void> {
    this.releases.push(term);
    if (this.holder === term.holder && this.token === term.token) this.expiresAt = this.time.now();
    return Promise.resolve();
  }
}

interface Replica {
  leadership: Leadership;
  events: string[];
}

function replica(time: ManualTime, lease: LeaseRepository, identity: string, options: { failLead?: boolean } = {}): Replica {
  const events: string[] = [];
  const leadership = new Leadership({
    lease,
    identity,
    durationMs: DURATION,
    clock: time,
    sleep: time.sleep,
    logger: pino({ level: 'silent' }),
    lead: (term) => {
      events.push(`lead ${term.token}`);
      return options.failLead ? Promise.reject(new Error('the bot could not log in')) : Promise.resolve();
    },
    follow: (cause: StepDownCause) => {
      events.push(`follow ${cause}`);
      return Promise.resolve();
    },
  });
  return { leadership, events };
}

describe('Leadership', () => {
  it('leads alone from the first attempt and keeps the lease by renewing it every third of it', async () => {
    const time = new ManualTime();
    const lease = new MemoryLease(time);
    const a = replica(time, lease, 'a');
    await a.leadership.start();
    expect(a.events).toEqual(['lead 1']);
    expect(a.leadership.mayAct()).toBe(true);
    await time.advance(DURATION * 10);
    // Renewed throughout: the same term, never a gap another replica could have used.
    expect(a.events).toEqual(['lead 1']);
    expect(lease.token).toBe(1);
    expect(lease.expiresAt).toBeGreaterThan(time.now() + DURATION / 2);
    expect(a.leadership.mayAct()).toBe(true);
  });

  it('stands by while another replica leads, and takes over when that one stops renewing', async () => {
    const time = new ManualTime();
    const lease = new MemoryLease(time);
    // a's process is killed later: from then on its attempts never reach the database.
    let aKilled = false;
    const aLease: LeaseRepository = {
      acquire: (holder, durationMs, options) => (aKilled ? new Promise(() => undefined) : lease.acquire(holder, durationMs, options)),
      release: (term) => lease.release(term),
    };
    const a = replica(time, aLease, 'a');
    const b = replica(time, lease, 'b');
    await a.leadership.start();
    await b.leadership.start();
    expect(b.events).toEqual([]);
    expect(b.leadership.isLeader()).toBe(false);
    await time.advance(DURATION * 2);
    expect(b.events).toEqual([]);

    aKilled = true;
    const diedAt = time.now();
    await time.advance(DURATION + 100);
    expect(b.events).toEqual(['lead 2']);
    // Within the lease of the death: the follower tries again when the lease runs out.
    expect(lease.holder).toBe('b');
    expect(time.now() - diedAt).toBeLessThanOrEqual(DURATION + 100);
  });

  it('stops sending before its lease can run out when a renewal hangs, and goes on in the same term once one succeeds', async () => {
    const time = new ManualTime();
    const lease = new MemoryLease(time);
    const a = replica(time, lease, 'a');
    await a.leadership.start();
    await time.advance(DURATION / 3 - 1);
    lease.hang = true;
    const lastRenewalAskedAt = time.now() + 1;
    // From the last renewal that answered, the lease lasts DURATION; a gives up a fifth early.
    let stoppedAt: number | undefined;
    for (let step = 0; step < DURATION && stoppedAt === undefined; step += 100) {
      await time.advance(100);
      if (!a.leadership.mayAct()) stoppedAt = time.now();
    }
    expect(stoppedAt).toBeDefined();
    expect((stoppedAt ?? 0) - lastRenewalAskedAt).toBeLessThanOrEqual(DURATION - DURATION / 5 - DURATION / 3 + 100);
    await settle();
    expect(lease.expiresAt).toBeGreaterThan(time.now());
    // Paused, not stepped down: nobody else took the lease, so the term goes on.
    expect(a.events).toEqual(['lead 1']);
    lease.hang = false;
    await time.advance(DURATION / 3 + 100);
    expect(a.leadership.mayAct()).toBe(true);
    expect(a.events).toEqual(['lead 1']);
    expect(lease.token).toBe(1);
  });

  it('pauses through a database outage once its lease could have run out, and goes on in the same term when it returns', async () => {
    const time = new ManualTime();
    const lease = new MemoryLease(time);
    const a = replica(time, lease, 'a');
    await a.leadership.start();
    lease.down = true;
    await time.advance(DURATION / 2);
    expect(a.events).toEqual(['lead 1']);
    expect(a.leadership.mayAct()).toBe(true);
    await time.advance(DURATION / 2);
    expect(a.leadership.mayAct()).toBe(false);
    expect(a.leadership.isLeader()).toBe(true);
    lease.down = false;
    await time.advance(DURATION / 3 + 100);
    expect(a.leadership.mayAct()).toBe(true);
    // Its parts kept running: what it had sent and not yet recorded is recorded, not sent anew.
    expect(a.events).toEqual(['lead 1']);
    expect(lease.token).toBe(1);
  });

  it('after an outage gives the replica that led the first chance, and takes over if it does not come back', async () => {
    const time = new ManualTime();
    const lease = new MemoryLease(time);
    let aKilled = false;
    const aLease: LeaseRepository = {
      acquire: (holder, durationMs, options) => (aKilled ? new Promise(() => undefined) : lease.acquire(holder, durationMs, options)),
      release: (term) => lease.release(term),
    };
    const a = replica(time, aLease, 'a');
    const b = replica(time, lease, 'b');
    await a.leadership.start();
    await b.leadership.start();

    lease.down = true;
    await time.advance(DURATION * 2);
    lease.down = false;
    await time.advance(DURATION * 2);
    // Both were cut off; the lease ran out meanwhile, yet a kept it.
    expect(a.events).toEqual(['lead 1']);
    expect(b.events).toEqual([]);
    expect(lease.holder).toBe('a');

    lease.down = true;
    aKilled = true;
    await time.advance(DURATION * 2);
    lease.down = false;
    const backAt = time.now();
    let tookOverAt: number | undefined;
    for (let step = 0; step < 100 && tookOverAt === undefined; step += 1) {
      await time.advance(100);
      if (b.leadership.isLeader()) tookOverAt = time.now();
    }
    expect(b.events).toEqual(['lead 2']);
    expect(lease.holder).toBe('b');
    // b waited for a a while (at least one of a's renewal periods), but not a whole lease.
    expect((tookOverAt ?? Infinity) - backAt).toBeGreaterThanOrEqual(DURATION / 3);
    expect((tookOverAt ?? Infinity) - backAt).toBeLessThanOrEqual(DURATION);
  });

  it('steps down at once when told its write was refused, and follows the new holder', async () => {
    const time = new ManualTime();
    const lease = new MemoryLease(time);
    const a = replica(time, lease, 'a');
    await a.leadership.start();
    // Someone else took the lease in the meantime (a's writes are refused from now on).
    lease.holder = 'b';
    lease.token = 2;
    lease.expiresAt = time.now() + DURATION;
    a.leadership.stepDown('the lease has passed to another replica');
    expect(a.leadership.mayAct()).toBe(false);
    await time.advance(1);
    expect(a.events).toEqual(['lead 1', 'follow refused-write']);
    await time.advance(DURATION / 2);
    expect(a.events).toEqual(['lead 1', 'follow refused-write']);
  });

  it('releases the lease when it stops, so a standby takes over without waiting it out', async () => {
    const time = new ManualTime();
    const lease = new MemoryLease(time);
    const a = replica(time, lease, 'a');
    const b = replica(time, lease, 'b');
    await a.leadership.start();
    await b.leadership.start();
    await time.advance(1_000);
    await a.leadership.stop();
    expect(a.events).toEqual(['lead 1', 'follow shutdown']);
    expect(lease.releases).toEqual([{ holder: 'a', token: 1 }]);
    await time.advance(DURATION / 3 + 100);
    expect(b.events).toEqual(['lead 2']);
  });

  it('fails the first start when what the leader runs cannot start, and gives the lease back', async () => {
    const time = new ManualTime();
    const lease = new MemoryLease(time);
    const a = replica(time, lease, 'a', { failLead: true });
    await expect(a.leadership.start()).rejects.toThrow('the bot could not log in');
    expect(a.events).toEqual(['lead 1', 'follow failed-start']);
    expect(lease.releases).toEqual([{ holder: 'a', token: 1 }]);
  });
});
