import { describe, expect, it } from 'vitest';
import { move } from './reorder';

describe('move', () => {
  it('moves an item up, down and across', () => {
    expect(move(['a', 'b', 'c'], 1, 0)).toEqual(['b', 'a', 'c']);
    expect(move(['a', 'b', 'c'], 0, 2)).toEqual(['b', 'c', 'a']);
    expect(move(['a', 'b', 'c'], 2, 1)).toEqual(['a', 'c', 'b']);
  });
  it('leaves the list as it is for a move off either end', () => {
    expect(move(['a', 'b'], 0, -1)).toEqual(['a', 'b']);
    expect(move(['a', 'b'], 1, 2)).toEqual(['a', 'b']);
  });
});
