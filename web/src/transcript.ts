// A stored transcript (ElevenLabs' turns: {role, message|text, time_in_call_secs, interrupted,
// tool_calls, tool_results}) as the call page shows it: caller and agent lines, each tool call
// with its result folded beside it. Anything unexpected is skipped, never thrown on: a transcript
// is vendor data.

export type Line =
  | { kind: 'say'; speaker: 'agent' | 'caller'; text: string; at: number | null; interrupted: boolean }
  | { kind: 'tool'; name: string; params: string; result: string | null; failed: boolean; at: number | null };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v, null, 2) ?? '');

export function conversation(turns: unknown): Line[] {
  if (!Array.isArray(turns)) return [];
  const lines: Line[] = [];
  for (const turn of turns) {
    if (!isObj(turn)) continue;
    const at = num(turn.time_in_call_secs);
    const results = Array.isArray(turn.tool_results) ? turn.tool_results.filter(isObj) : [];
    for (const call of Array.isArray(turn.tool_calls) ? turn.tool_calls : []) {
      if (!isObj(call)) continue;
      const id = str(call.tool_call_id);
      const matching = id ? results.find((r) => r.tool_call_id === id) : undefined;
      const result = call.result ?? matching?.result_value ?? matching?.result ?? null;
      lines.push({
        kind: 'tool',
        name: str(call.tool_name) ?? 'tool',
        params: show(call.params ?? call.params_as_json ?? {}),
        result: result == null ? null : show(result),
        failed: call.is_error === true || matching?.is_error === true,
        at,
      });
    }
    const text = str(turn.text) ?? str(turn.message);
    if (text && text.trim()) {
      lines.push({
        kind: 'say',
        speaker: turn.role === 'agent' ? 'agent' : 'caller',
        text: text.trim(),
        at,
        interrupted: turn.interrupted === true,
      });
    }
  }
  return lines;
}
