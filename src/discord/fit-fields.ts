import { DISCORD_LIMITS, textLength, truncate } from './limits.js';
import type { DiscordEmbedField } from './types.js';

/** A field of a draft; `repeated` when a template's for_each made it, one of a run of its kind. */
export interface DraftField extends DiscordEmbedField {
  repeated?: { run: number; noun: string } | undefined;
}

interface Hidden {
  noun: string;
  names: string[];
}

type Slot = { field: DiscordEmbedField; repeated?: DraftField['repeated'] } | { hidden: Hidden };

const LOOP_FIELD = (slot: Slot): boolean => 'field' in slot && slot.repeated !== undefined;

/**
 * An embed's fields while a message is made to fit. When fields must go, those a loop made (one
 * per label) go first, from the end, and their run ends in one "…and N more labels" field naming
 * them: the fields written once (Started, Links) are what people need, and stay.
 */
export class FittingFields {
  readonly #slots: Slot[];
  readonly #hidden = new Map<number, Hidden>();

  constructor(fields: readonly DraftField[]) {
    this.#slots = fields.map(({ repeated, ...field }) => ({
      field: { ...field, name: truncate(field.name, DISCORD_LIMITS.fieldName), value: truncate(field.value, DISCORD_LIMITS.fieldValue) },
      repeated,
    }));
    while (this.#slots.length > DISCORD_LIMITS.fields) this.drop();
  }

  get count(): number {
    return this.#slots.length;
  }

  /** Leaves out one field: the last one a loop made, else the last one. */
  drop(): void {
    const at = this.#slots.findLastIndex(LOOP_FIELD);
    const slot = this.#slots[at];
    if (!slot || !('field' in slot) || !slot.repeated) {
      this.#slots.pop();
      return;
    }
    const { run, noun } = slot.repeated;
    let hidden = this.#hidden.get(run);
    if (!hidden) {
      hidden = { noun, names: [] };
      this.#hidden.set(run, hidden);
      this.#slots.splice(at + 1, 0, { hidden });
    }
    hidden.names.unshift(slot.field.name);
    this.#slots.splice(at, 1);
  }

  shown(): DiscordEmbedField[] {
    return this.#slots.map((slot) => {
      if ('field' in slot) return slot.field;
      const { noun, names } = slot.hidden;
      return {
        name: truncate(`…and ${names.length} more ${noun}`, DISCORD_LIMITS.fieldName),
        value: truncate(names.join(', '), DISCORD_LIMITS.fieldValue),
        inline: true,
      };
    });
  }

  /** What the fields count toward the 6000 of a message. */
  length(): number {
    return this.shown().reduce((sum, field) => sum + textLength(field.name) + textLength(field.value), 0);
  }
}
