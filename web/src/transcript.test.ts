import { describe, expect, it } from 'vitest';
import { conversation } from './transcript';

describe('conversation', () => {
  it('turns stored turns into lines, tool calls folded with their results', () => {
    const lines = conversation([
      { role: 'agent', text: 'Thanks for calling.', time_in_call_secs: 0, tool_calls: [] },
      { role: 'user', text: 'Hi, this is Sam.', time_in_call_secs: 4, interrupted: true },
      {
        role: 'agent',
        text: null,
        time_in_call_secs: 12,
        tool_calls: [{ tool_name: 'qualification_next', params: { answer: 'Sam' }, result: '{"say":"Thanks"}', is_error: false }],
      },
    ]);
    expect(lines).toEqual([
      { kind: 'say', speaker: 'agent', text: 'Thanks for calling.', at: 0, interrupted: false },
      { kind: 'say', speaker: 'caller', text: 'Hi, this is Sam.', at: 4, interrupted: true },
      { kind: 'tool', name: 'qualification_next', params: '{\n  "answer": "Sam"\n}', result: '{"say":"Thanks"}', failed: false, at: 12 },
    ]);
  });
  it("matches ElevenLabs' separate tool results by call id", () => {
    const lines = conversation([
      {
        role: 'agent',
        message: 'One moment.',
        time_in_call_secs: 3,
        tool_calls: [{ tool_call_id: 't1', tool_name: 'business_hours', params_as_json: '{}' }],
        tool_results: [{ tool_call_id: 't1', result_value: 'open', is_error: true }],
      },
    ]);
    expect(lines[0]).toMatchObject({ kind: 'tool', name: 'business_hours', result: 'open', failed: true });
    expect(lines[1]).toMatchObject({ kind: 'say', speaker: 'agent', text: 'One moment.' });
  });
  it('skips what it cannot read instead of failing', () => {
    expect(conversation(null)).toEqual([]);
    expect(conversation([1, 'x', { role: 'user', text: '  ' }, { tool_calls: [null] }])).toEqual([]);
  });
});
