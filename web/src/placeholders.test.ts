import { describe, expect, it } from 'vitest';
import { insertPlaceholder, placeholdersIn, unknownPlaceholders } from './placeholders';

describe('placeholders', () => {
  it('finds the names used, spaces allowed inside the braces', () => {
    expect(placeholdersIn('Hi {{caller_name}}, {{ business_name }} here. {{}}')).toEqual(['caller_name', 'business_name', '']);
  });
  it('names the unknown ones once', () => {
    expect(unknownPlaceholders('{{caller_nam}} {{caller_nam}} {{business_name}}', ['business_name', 'caller_name'])).toEqual(['caller_nam']);
    expect(unknownPlaceholders('{{system__time_utc}} {{system__}}', [])).toEqual(['system__']);
  });
  it('inserts at the caret, replacing a selection', () => {
    expect(insertPlaceholder('Hello !', 6, 6, 'caller_name')).toEqual({ value: 'Hello {{caller_name}}!', caret: 21 });
    expect(insertPlaceholder('Hello you!', 6, 9, 'caller_name')).toEqual({ value: 'Hello {{caller_name}}!', caret: 21 });
    expect(insertPlaceholder('x', 99, 99, 'a')).toEqual({ value: 'x{{a}}', caret: 6 });
  });
});
