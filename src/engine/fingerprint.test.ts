import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { webhookPayloadSchema } from '../alertmanager/webhook.js';
import { fingerprintOf } from './fingerprint.js';

const FIXTURES = join(import.meta.dirname, '../../test/fixtures/alertmanager-0.25');
const captured = readdirSync(FIXTURES)
  .filter((name) => name.startsWith('webhook-') && name.endsWith('.json'))
  .flatMap((name) => webhookPayloadSchema.parse(JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'))).alerts.map((alert) => ({ name, alert })));

describe('fingerprintOf', () => {
  it('has payloads to check against', () => {
    expect(captured.length).toBeGreaterThanOrEqual(4);
  });

  it.each(captured.map(({ name, alert }) => [alert.fingerprint, name, alert.labels] as const))(
    'gives %s as Alertmanager 0.25 did (%s)',
    (fingerprint, _name, labels) => {
      expect(fingerprintOf(labels)).toBe(fingerprint);
    },
  );

  it('does not depend on the order labels come in', () => {
    expect(fingerprintOf({ b: '2', a: '1' })).toBe(fingerprintOf({ a: '1', b: '2' }));
  });

  it('separates names from values, so shifting a character between them changes it', () => {
    expect(fingerprintOf({ ab: 'c' })).not.toBe(fingerprintOf({ a: 'bc' }));
  });

  it("is FNV-1a's offset basis for no labels, as Alertmanager's empty label set", () => {
    expect(fingerprintOf({})).toBe('cbf29ce484222325');
  });

  it('equals a straightforward 64-bit FNV-1a for any labels, unicode included', () => {
    const reference = (labels: Record<string, string>): string => {
      let hash = 0xcbf29ce484222325n;
      const write = (byte: number) => {
        hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
      };
      for (const name of Object.keys(labels).sort()) {
        for (const byte of Buffer.from(name)) write(byte);
        write(0xff);
        for (const byte of Buffer.from(labels[name] ?? '')) write(byte);
        write(0xff);
      }
      return hash.toString(16).padStart(16, '0');
    };
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: 'binary', maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 40 })), (labels) => {
        expect(fingerprintOf(labels)).toBe(reference(labels));
      }),
      { numRuns: 300 },
    );
  });
});
