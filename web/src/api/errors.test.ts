import { describe, expect, it } from 'vitest';
import { formError, isAboutItem } from './errors';

const body = (code: string, message: string) => ({ error: { code, message } });

describe('formError', () => {
  it('puts an invalid_field message next to the field it names', () => {
    expect(formError(400, body('invalid_field', 'email: not an email address'), ['name', 'email'])).toEqual({
      field: 'email',
      code: 'invalid_field',
      status: 400,
      message: 'not an email address',
    });
  });
  it('finds the field of an indexed path', () => {
    const e = formError(400, body('invalid_field', 'phone_numbers[1]: not a phone number'), ['phone_numbers', 'phone']);
    expect(e.field).toBe('phone_numbers');
    expect(e.message).toBe('not a phone number');
  });
  it('leaves a message naming no form field for the whole form', () => {
    const e = formError(400, body('invalid_field', 'timezone: unknown zone'), ['name']);
    expect(e).toMatchObject({ field: null, message: 'timezone: unknown zone' });
  });
  it('says what conflicts on a 409', () => {
    const e = formError(409, body('phone_number_taken', '+14155550100 belongs to another client'));
    expect(e).toMatchObject({ field: null, code: 'phone_number_taken', message: 'Conflict: +14155550100 belongs to another client' });
  });
  it('never shows a raw body it cannot read', () => {
    expect(formError(502, '<html>').message).toBe('The server could not answer. Try again in a moment.');
    expect(formError(418, null).message).toBe('Request failed (418).');
  });
});

describe('isAboutItem', () => {
  it('matches the item and its fields, not a longer index', () => {
    expect(isAboutItem('questions[1]: a question needs words', 'questions', 1)).toBe(true);
    expect(isAboutItem('questions[1].choices: at least two', 'questions', 1)).toBe(true);
    expect(isAboutItem('questions[12].choices: at least two', 'questions', 1)).toBe(false);
    expect(isAboutItem('questions: at most 30', 'questions', 1)).toBe(false);
  });
});
