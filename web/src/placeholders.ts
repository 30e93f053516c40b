// `{{name}}` placeholders in what a business writes: which it uses, and which the agent would not
// know (the API refuses those too; the form says so while typing).

/** As the API reads them (personalization::template::placeholders): `{{` to the next `}}`, trimmed. */
export function placeholdersIn(text: string): string[] {
  const names: string[] = [];
  let rest = text;
  for (;;) {
    const start = rest.indexOf('{{');
    if (start < 0) break;
    const after = rest.slice(start + 2);
    const end = after.indexOf('}}');
    if (end < 0) break;
    names.push(after.slice(0, end).trim());
    rest = after.slice(end + 2);
  }
  return names;
}

/** ElevenLabs fills its own `{{system__*}}` variables. */
const isSystem = (name: string) => /^system__[A-Za-z0-9_]+$/.test(name);

export function unknownPlaceholders(text: string, known: readonly string[]): string[] {
  return [...new Set(placeholdersIn(text).filter((n) => !known.includes(n) && !isSystem(n)))];
}

/** Inserts `{{name}}` at the caret of a text value; returns the new value and caret. */
export function insertPlaceholder(value: string, start: number, end: number, name: string): { value: string; caret: number } {
  const token = `{{${name}}}`;
  const s = Math.max(0, Math.min(start, value.length));
  const e = Math.max(s, Math.min(end, value.length));
  return { value: value.slice(0, s) + token + value.slice(e), caret: s + token.length };
}
