/**
 * Which alerts a reader can see in the messages currently in a Discord channel. An alert is
 * shown when one current message names both its alert name and its instance (whole words, so
 * node-001 is not found inside node-0010). Alerts that are not shown but counted in an
 * "…and N more" line are accounted for; the rest are lost.
 */
import type { StoredMessage } from '../test/support/fake-discord.js';
import type { BenchGroup } from './alerts.js';

export interface Visibility {
  total: number;
  shown: number;
  /** Not shown, but counted in an "…and N more" line. */
  countedNotShown: number;
  /** Neither shown nor counted anywhere. */
  lost: number;
  /** Groups with at least one current message, i.e. named in one (a digest names many). */
  groupsWithMessage: number;
  /** Groups with more than one current message. */
  groupsWithSeveralMessages: number;
}

const WORD = 'A-Za-z0-9_.:-';

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

interface MessageFacts {
  /** Per group index: the instances of that group this message shows. */
  shown: Map<number, Set<string>>;
  /** The sum of the message's "…and N more" counts. */
  more: number;
}

export class VisibilityTracker {
  private readonly names: RegExp[];
  private readonly instances: Map<string, RegExp>;
  private readonly cache = new Map<string, { version: string; facts: MessageFacts }>();

  constructor(private readonly groups: readonly BenchGroup[]) {
    const word = (text: string): RegExp => new RegExp(`(?<![${WORD}])${escape(text)}(?![${WORD}])`);
    this.names = groups.map((group) => word(group.alertname));
    this.instances = new Map(groups.flatMap((group) => group.instances).map((instance) => [instance, word(instance)]));
  }

  private facts(message: StoredMessage): MessageFacts {
    const version = `${message.edits}:${message.editedAt ?? ''}`;
    const cached = this.cache.get(message.id);
    if (cached?.version === version) return cached.facts;
    const text = [message.content, ...message.embeds.flatMap((embed) => [
      embed.title ?? '',
      embed.description ?? '',
      ...(embed.fields ?? []).flatMap((field) => [field.name, field.value]),
      embed.footer?.text ?? '',
    ])].join('\n');
    const shown = new Map<number, Set<string>>();
    this.groups.forEach((group, index) => {
      if (!text.includes(group.alertname) || !this.names[index]?.test(text)) return;
      const seen = new Set(group.instances.filter((instance) => text.includes(instance) && this.instances.get(instance)?.test(text)));
      shown.set(index, seen);
    });
    let more = 0;
    for (const match of text.matchAll(/…and (\d+) more/g)) more += Number(match[1]);
    const facts = { shown, more };
    this.cache.set(message.id, { version, facts });
    return facts;
  }

  evaluate(messages: readonly StoredMessage[]): Visibility {
    const shownByGroup = this.groups.map(() => new Set<string>());
    const accountedByGroup = this.groups.map(() => 0);
    const messagesPerGroup = this.groups.map(() => 0);
    for (const message of messages) {
      const facts = this.facts(message);
      for (const [index, seen] of facts.shown) {
        messagesPerGroup[index] = (messagesPerGroup[index] ?? 0) + 1;
        for (const instance of seen) shownByGroup[index]?.add(instance);
        // A message about one group counts its hidden alerts towards that group.
        const more = facts.shown.size === 1 ? facts.more : 0;
        accountedByGroup[index] = Math.max(accountedByGroup[index] ?? 0, seen.size + more);
      }
    }
    let shown = 0;
    let lost = 0;
    let total = 0;
    this.groups.forEach((group, index) => {
      const size = group.instances.length;
      const visible = shownByGroup[index]?.size ?? 0;
      const accounted = Math.min(size, Math.max(visible, accountedByGroup[index] ?? 0));
      total += size;
      shown += visible;
      lost += size - accounted;
    });
    return {
      total,
      shown,
      countedNotShown: total - shown - lost,
      lost,
      groupsWithMessage: messagesPerGroup.filter((count) => count > 0).length,
      groupsWithSeveralMessages: messagesPerGroup.filter((count) => count > 1).length,
    };
  }
}
