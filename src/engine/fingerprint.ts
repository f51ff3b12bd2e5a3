/**
 * Alertmanager's alert fingerprint: 64-bit FNV-1a over the label set sorted by name, each name
 * and value followed by a 0xff separator. Being the same hash, amcord's fingerprints match the
 * ones Alertmanager shows, and alert identity is the same on both sides.
 */
const OFFSET = 0xcbf29ce484222325n;
const PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;
const SEPARATOR = 0xffn;

export function fingerprintOf(labels: Record<string, string>): string {
  let hash = OFFSET;
  const write = (byte: bigint): void => {
    hash = ((hash ^ byte) * PRIME) & MASK;
  };
  for (const name of Object.keys(labels).sort()) {
    for (const byte of Buffer.from(name, 'utf8')) write(BigInt(byte));
    write(SEPARATOR);
    for (const byte of Buffer.from(labels[name] ?? '', 'utf8')) write(BigInt(byte));
    write(SEPARATOR);
  }
  return hash.toString(16).padStart(16, '0');
}
