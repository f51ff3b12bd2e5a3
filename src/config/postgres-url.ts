/**
 * What amcord needs to know about a PostgreSQL connection URL without ever repeating its
 * password: whether it is one, the values that must be scrubbed from text, and a description
 * that is safe to log.
 */

const PROTOCOLS = new Set(['postgres:', 'postgresql:']);

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

export function isPostgresUrl(url: string): boolean {
  const parsed = parse(url);
  return parsed !== undefined && PROTOCOLS.has(parsed.protocol);
}

/**
 * The URL and its password in every spelling it can take: as written in the URL (percent-encoded),
 * decoded (what the server and an error could quote), and the `password` query parameter that
 * node-postgres also reads.
 */
export function postgresUrlSecrets(url: string): string[] {
  const parsed = parse(url);
  if (!parsed) return [url];
  const passwords = [parsed.password, parsed.searchParams.get('password') ?? ''].filter((password) => password !== '');
  const spellings = passwords.flatMap((password) => {
    let decoded = password;
    try {
      decoded = decodeURIComponent(password);
    } catch {
      // not valid percent-encoding: the written form is all there is
    }
    return [password, decoded, encodeURIComponent(decoded)];
  });
  return [...new Set([url, ...spellings])];
}

/** `host:port/database` for logs and errors: never the user's password. */
export function describePostgresUrl(url: string): string {
  const parsed = parse(url);
  if (!parsed) return 'PostgreSQL';
  const host = parsed.host || parsed.searchParams.get('host') || 'localhost';
  const database = parsed.pathname.replace(/^\//, '');
  return `${host}${database ? `/${decodeURIComponent(database)}` : ''}`;
}
