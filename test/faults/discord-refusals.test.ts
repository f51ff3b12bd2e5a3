import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../support/processes.js';
import { errorText, startRig, type Rig } from './harness.js';

/**
 * Discord refusing amcord for a while (a revoked token, a missing permission, a webhook that is
 * gone): nothing is dropped, the logs say which webhook without its token, amcord stays up, and
 * once Discord takes the messages again each arrives once.
 */
describe('Discord refusing', () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  const logged = (current: Rig, message: string, detail: string) =>
    waitUntil(() => current.amcord.logs.some((line) => line.msg === message && errorText(line).includes(detail)), {
      timeoutMs: 15_000,
      intervalMs: 50,
      description: `amcord to log "${message}" ${detail}`,
    });
  const pending = (current: Rig) => current.metric('amcord_outbox_depth{destination="default",state="pending"}');

  const refusals = [
    { name: '401 Unauthorized', status: 401, body: { message: '401: Unauthorized', code: 0 }, logs: 'refused the token (401' },
    { name: '403 Missing Permissions', status: 403, body: { message: 'Missing Permissions', code: 50013 }, logs: 'refused the token (403' },
    { name: '404 Unknown Webhook (gone)', status: 404, body: { message: 'Unknown Webhook', code: 10015 }, logs: 'not found (404 Unknown Webhook, code 10015)' },
  ];
  for (const refusal of refusals) {
    it(`${refusal.name}: the message stays queued, the log names the webhook and not its token, and it is delivered once allowed`, async () => {
      rig = await startRig({ name: String(refusal.status) });
      await rig.start();
      rig.discord.failNext(1, { status: refusal.status, body: refusal.body, webhookId: rig.webhook.id });
      await rig.fire(rig.alerts(`Refused${refusal.status}`, 2));
      await logged(rig, 'delivery failed; will retry', refusal.logs);
      expect(await pending(rig)).toBe(1);
      expect(rig.amcord.isAlive()).toBe(true);

      await rig.check();
      expect(rig.logText()).toContain(`webhook ${rig.webhook.id}`);
      expect(rig.logText()).not.toContain(rig.webhook.token);
    });
  }
});
