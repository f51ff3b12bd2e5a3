/**
 * Alertmanager's alert fingerprint: 64-bit FNV-1a over the label set sorted by name, each name
 * and value followed by a 0xff separator. Being the same hash, amcord's fingerprints match the
 * ones Alertmanager shows, and alert identity is the same on both sides.
 *
 * It runs for every alert received, so the 64-bit state is kept in four 16-bit limbs of plain
 * numbers (exact in doubles) rather than a BigInt, which is many times slower per byte.
 */
const SEPARATOR = 0xff;

class Fnv64a {
  // The offset basis 0xcbf29ce484222325, least significant limb first.
  private h0 = 0x2325;
  private h1 = 0x8422;
  private h2 = 0x9ce4;
  private h3 = 0xcbf2;

  /** XOR the byte in, then multiply by the FNV prime 2^40 + 0x1b3, modulo 2^64. */
  write(byte: number): void {
    const h0 = this.h0 ^ byte;
    const t0 = h0 * 0x1b3;
    const t1 = this.h1 * 0x1b3 + (t0 >>> 16);
    const t2 = this.h2 * 0x1b3 + h0 * 0x100 + (t1 >>> 16);
    const t3 = this.h3 * 0x1b3 + this.h1 * 0x100 + (t2 >>> 16);
    this.h0 = t0 & 0xffff;
    this.h1 = t1 & 0xffff;
    this.h2 = t2 & 0xffff;
    this.h3 = t3 & 0xffff;
  }

  /** UTF-8 bytes of `text`; plain ASCII (label names, most values) is hashed without encoding a buffer. */
  writeText(text: string): void {
    for (let index = 0; index < text.length; index += 1) {
      const code = text.charCodeAt(index);
      if (code >= 0x80) {
        for (const byte of Buffer.from(text.slice(index), 'utf8')) this.write(byte);
        return;
      }
      this.write(code);
    }
  }

  hex(): string {
    return [this.h3, this.h2, this.h1, this.h0].map((limb) => limb.toString(16).padStart(4, '0')).join('');
  }
}

export function fingerprintOf(labels: Record<string, string>): string {
  const hash = new Fnv64a();
  for (const name of Object.keys(labels).sort()) {
    hash.writeText(name);
    hash.write(SEPARATOR);
    hash.writeText(labels[name] ?? '');
    hash.write(SEPARATOR);
  }
  return hash.hex();
}
