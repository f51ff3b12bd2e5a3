import { AlertmanagerError, type Silence } from '../../alertmanager/api.js';
import { formatMatchers, type Matcher, matches } from '../../alertmanager/matchers.js';
import type { Logger } from '../../log/logger.js';
import { type Actor, silenceAuthor } from '../interactions/actor.js';
import { type BotClients, describeError } from '../clients.js';

/** Creating and expiring silences on behalf of a Discord user, with the audit log line every time. */

export interface SilenceActionContext {
  clients: BotClients;
  actor: Actor;
  logger: Logger;
}

export interface SilenceRequest {
  matchers: readonly Matcher[];
  durationMs: number;
  comment: string;
  now: Date;
  /** How it was asked for, for the log: "/silence" or "button". */
  via: string;
}

export interface CreatedSilence {
  id: string;
  endsAt: Date;
  link: string;
}

/** Alertmanager refuses a silence whose every matcher matches the empty string: it would mute everything. */
export function unsilenceableReason(matchers: readonly Matcher[]): string | undefined {
  if (matchers.length === 0) return 'Give at least one matcher, e.g. alertname or instance.';
  if (matchers.every((matcher) => matches([matcher], {}))) {
    return `${formatMatchers(matchers)} would also match alerts without these labels, so it would silence everything. Add a matcher that needs a non-empty value.`;
  }
  return undefined;
}

/** Why creating a silence failed; a timed-out request may still have reached Alertmanager. */
export function describeSilenceFailure(error: unknown): string {
  const unconfirmed = error instanceof AlertmanagerError && error.kind === 'timeout';
  const outcome = unconfirmed ? 'The silence may or may not have been created: check /silences before retrying.' : 'No silence was created.';
  return `${outcome} ${describeError(error)}`;
}

/** Alertmanager's page for one silence. */
export function silenceUrl(uiUrl: string, id: string): string {
  return `${uiUrl.replace(/\/+$/, '')}/#/silences/${encodeURIComponent(id)}`;
}

export async function createSilenceAs(context: SilenceActionContext, request: SilenceRequest): Promise<CreatedSilence> {
  const { clients, actor, logger } = context;
  const endsAt = new Date(request.now.getTime() + request.durationMs);
  const id = await clients.alertmanager.createSilence({
    matchers: request.matchers,
    startsAt: request.now,
    endsAt,
    createdBy: silenceAuthor(actor),
    comment: request.comment,
  });
  logger.info(
    { userId: actor.id, userName: actor.tag, silenceId: id, matchers: formatMatchers(request.matchers), endsAt: endsAt.toISOString(), via: request.via },
    'silence created from Discord',
  );
  return { id, endsAt, link: silenceUrl(clients.alertmanagerUiUrl, id) };
}

export async function expireSilenceAs(context: SilenceActionContext, silence: Silence): Promise<void> {
  const { clients, actor, logger } = context;
  await clients.alertmanager.expireSilence(silence.id);
  logger.info(
    { userId: actor.id, userName: actor.tag, silenceId: silence.id, matchers: formatMatchers(silence.matchers), via: '/unsilence' },
    'silence expired from Discord',
  );
}

/** The silences that are in force or about to be, soonest ending first. */
export function currentSilences(silences: readonly Silence[]): Silence[] {
  return silences.filter((silence) => silence.status.state !== 'expired').sort((a, b) => a.endsAt.getTime() - b.endsAt.getTime());
}
