import { describe, expect, it } from 'vitest';
import { dateFilter, duration, label, money, phone, plural, safeUrl, when } from './format';

describe('format', () => {
  it('counts with the noun in the right number', () => {
    expect(plural(1, 'passage')).toBe('1 passage');
    expect(plural(0, 'passage')).toBe('0 passages');
    expect(plural(5, 'time')).toBe('5 times');
  });
  it('writes durations as a clock', () => {
    expect(duration(0)).toBe('0:00');
    expect(duration(65)).toBe('1:05');
    expect(duration(3725)).toBe('1:02:05');
    expect(duration(null)).toBe('–');
    expect(duration(-3)).toBe('–');
  });
  it('writes stored decimal amounts in their currency', () => {
    expect(money('1.234500', 'USD')).toBe('$1.23');
    expect(money('0.084000', 'EUR')).toBe('€0.08');
    expect(money(null, 'USD')).toBe('–');
    expect(money('abc', 'USD')).toBe('–');
    expect(money('2', 'dollars')).toBe('2.00 dollars');
  });
  it('writes moments in the business zone, with the year only when it differs', () => {
    const now = new Date('2026-11-30T12:00:00Z');
    expect(when('2026-11-30T23:30:00Z', 'America/Los_Angeles', now)).toBe('Nov 30, 3:30 PM');
    expect(when('2026-12-01T01:30:00Z', 'Europe/Paris', now)).toBe('Dec 1, 2:30 AM');
    expect(when('2025-01-02T10:00:00Z', 'UTC', now)).toBe('Jan 2, 2025, 10:00 AM');
    expect(when('not a time', 'UTC', now)).toBe('–');
  });
  it('groups North American numbers', () => {
    expect(phone('+14155552671')).toBe('+1 415 555 2671');
    expect(phone('+442071838750')).toBe('+442071838750');
  });
  it('turns codes into words', () => {
    expect(label('no-answer')).toBe('No answer');
    expect(label('needs_reconsent')).toBe('Needs reconsent');
  });
  it('links out only to http(s) addresses', () => {
    expect(safeUrl('https://aurora.atlassian.net/browse/P-1')).toBe('https://aurora.atlassian.net/browse/P-1');
    expect(safeUrl('javascript:alert(1)')).toBeNull();
    expect(safeUrl(' JavaScript:alert(1)')).toBeNull();
    expect(safeUrl('data:text/html,hi')).toBeNull();
    expect(safeUrl('not a url')).toBeNull();
    expect(safeUrl(null)).toBeNull();
  });
  it('passes only whole dates to the API filter', () => {
    expect(dateFilter('2026-11-30')).toBe('2026-11-30');
    expect(dateFilter('')).toBeUndefined();
    expect(dateFilter('30/11/2026')).toBeUndefined();
  });
});
