import { describe, expect, it } from 'vitest';
import { safeNext } from './navigation';

describe('safeNext', () => {
  it('follows a page of this site, with its query', () => {
    expect(safeNext('/leads?status=new')).toBe('/leads?status=new');
    expect(safeNext('/calls/5b1d')).toBe('/calls/5b1d');
  });
  it('never leaves the site or loops back to sign-in', () => {
    for (const bad of ['https://evil.example', '//evil.example', '/\\evil.example', '/\t/evil', 'javascript:alert(1)', '/sign-in?next=/x', '', undefined]) {
      expect(safeNext(bad)).toBe('/');
    }
  });
});
