import { describe, expect, it } from 'vitest';
import { acknowledgeRow, acknowledgeStateIn } from './ack-button.js';

describe('acknowledgeStateIn', () => {
  it("finds the Acknowledge button among a message's rows, and whether someone acknowledged", () => {
    const silenceRow = { type: 1, components: [{ type: 2, style: 2, label: '1h', custom_id: 'amcord:silence:1h:grp' }] };
    expect(acknowledgeStateIn([silenceRow, acknowledgeRow('grp', false)])).toEqual({ acknowledged: false });
    expect(acknowledgeStateIn([acknowledgeRow('grp', true)])).toEqual({ acknowledged: true });
  });

  it('finds none on a message without it, or with components of other kinds', () => {
    expect(acknowledgeStateIn([])).toBeUndefined();
    expect(acknowledgeStateIn([{ type: 10, content: 'text' }, { type: 1, components: [{ type: 2, style: 5, label: 'Open', url: 'http://x' }] }, null])).toBeUndefined();
  });
});
