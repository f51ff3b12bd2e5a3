import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeDiscord, FakeForum, FakeWebhook } from '../support/fake-discord.js';
import { postAlerts, waitUntil, type RunningProcess } from '../support/processes.js';
import { startBotRig, type BotRig } from './support-bot-rig.js';

const TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.forum.token';
const CHANNEL = '456789012345678903';
const ONCALL = '767890123456789019';

/**
 * One forum post per incident: real Alertmanager -> amcord -> a webhook in a forum channel of the
 * fake Discord, with the bot running to re-tag and archive. The post is named after the group and
 * tagged firing, later notifications and escalation pings go into it, and the resolved group's
 * post ends tagged resolved and archived.
 */
describe('a forum post per incident', () => {
  let rig: BotRig;
  let discord: FakeDiscord;
  let forum: FakeForum;
  let webhook: FakeWebhook;
  let alertmanager: RunningProcess;
  const tag = (name: string) => forum.tags.find((candidate) => candidate.name === name)?.id ?? '';

  beforeAll(async () => {
    rig = await startBotRig({
      token: TOKEN,
      channelId: CHANNEL,
      rest: (fake) => {
        forum = fake.createForumChannel(['firing', 'resolved', 'other']);
        webhook = fake.createWebhook({ channelId: forum.id });
        return `
destinations:
  incidents:
    webhook_url: "${webhook.url}"
    threads: true
    thread_tags: { firing: "${tag('firing')}", resolved: "${tag('resolved')}" }
routes:
  - name: forum
    matchers: ['alertname=~"E2EForum.*"']
    destination: incidents
    escalation: [{ after: 2s, roles: ["${ONCALL}"] }]
`;
      },
    });
    ({ discord, alertmanager } = rig);
  });

  afterAll(async () => {
    await rig?.close();
  });

  const alert = (alertname: string, instance: string, resolved = false) => ({
    labels: { alertname, instance, severity: 'critical' },
    annotations: { summary: `${alertname} on ${instance}` },
    ...(resolved ? { endsAt: new Date() } : {}),
  });
  const postsNamed = (name: string) => discord.threads({ parentId: forum.id }).filter((thread) => thread.name === name);
  const inPost = (threadId: string | undefined) => (threadId === undefined ? [] : discord.messages({ channelId: threadId }));

  it('starts a tagged post, puts later notifications and escalation into it, and ends it tagged resolved and archived', { timeout: 40_000 }, async () => {
    await postAlerts(alertmanager.url, [alert('E2EForumDisk', 'nas:9100')]);
    await waitUntil(() => postsNamed('E2EForumDisk').length === 1, { timeoutMs: 15_000, description: 'the forum post' });
    const [post] = postsNamed('E2EForumDisk');
    expect(post?.appliedTags).toEqual([tag('firing')]);
    const [first] = inPost(post?.id);
    expect(first?.id).toBe(post?.id);
    expect(first?.embeds[0]?.title).toContain('E2EForumDisk');

    // The escalation step pings inside the post, not as a post of its own.
    await waitUntil(() => inPost(post?.id).some((message) => message.content.includes('still firing')), { timeoutMs: 10_000, description: 'the ping in the post' });
    expect(inPost(post?.id).find((message) => message.content.includes('still firing'))?.mentionRoles).toEqual([ONCALL]);

    // A second alert of the group is posted in the same post.
    await postAlerts(alertmanager.url, [alert('E2EForumDisk', 'pi:9100')]);
    await waitUntil(() => inPost(post?.id).filter((message) => message.embeds.length > 0).length === 2, { timeoutMs: 15_000, description: 'the second notification in the post' });
    expect(postsNamed('E2EForumDisk')).toHaveLength(1);

    await postAlerts(alertmanager.url, [alert('E2EForumDisk', 'nas:9100', true), alert('E2EForumDisk', 'pi:9100', true)]);
    await waitUntil(() => postsNamed('E2EForumDisk')[0]?.archived === true, { timeoutMs: 15_000, description: 'the post archived' });
    const [closed] = postsNamed('E2EForumDisk');
    expect(closed?.appliedTags).toEqual([tag('resolved')]);
    expect(inPost(post?.id).at(-1)?.embeds[0]?.title).toMatch(/^✅/);
    expect(discord.messages({ channelId: forum.id })).toEqual([]);

    // Firing again later is a new incident: a new post.
    await postAlerts(alertmanager.url, [alert('E2EForumDisk', 'nas:9100')]);
    await waitUntil(() => postsNamed('E2EForumDisk').length === 2, { timeoutMs: 15_000, description: 'a new post for the new incident' });
    expect(postsNamed('E2EForumDisk')[1]?.appliedTags).toEqual([tag('firing')]);
  });

  it('starts a new post when the group\'s post was deleted', { timeout: 30_000 }, async () => {
    await postAlerts(alertmanager.url, [alert('E2EForumGone', 'a:9100')]);
    await waitUntil(() => postsNamed('E2EForumGone').length === 1, { timeoutMs: 15_000, description: 'the forum post' });
    const [post] = postsNamed('E2EForumGone');
    discord.deleteThread(post?.id ?? '');
    await postAlerts(alertmanager.url, [alert('E2EForumGone', 'b:9100')]);
    await waitUntil(() => postsNamed('E2EForumGone').length === 1 && postsNamed('E2EForumGone')[0]?.id !== post?.id, {
      timeoutMs: 15_000,
      description: 'a new post after the deleted one',
    });
    const [again] = postsNamed('E2EForumGone');
    expect(inPost(again?.id)[0]?.embeds[0]?.title).toContain('2 firing');
  });
});
