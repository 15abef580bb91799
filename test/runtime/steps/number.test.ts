import { describe, expect, it } from 'vitest';
import { parseDisplayedNumber } from '../../../src/runtime/steps/number.js';

describe('parseDisplayedNumber', () => {
  it.each([
    ['€1,299.00', 1299],
    ['1.299,00 €', 1299],
    ['1 299,50 kr', 1299.5],
    ['1\u00a0299,5', 1299.5],
    ["CHF 1'299.95", 1299.95],
    ['$12', 12],
    ['12.5%', 12.5],
    ['-7.25', -7.25],
    ['\u22123', -3],
    ['(3.50)', -3.5],
    ['1,299', 1299],
    ['1,299,000', 1299000],
    ['1.299.000,75', 1299000.75],
    ['0,5', 0.5],
    ['Total: 42 items.', 42],
    ['Price 19.99.', 19.99],
  ])('reads %s as %d', (text, expected) => {
    expect(parseDisplayedNumber(text)).toBe(expected);
  });

  it('takes an explicit decimal separator over the guess', () => {
    expect(parseDisplayedNumber('1,299', ',')).toBe(1.299);
    expect(parseDisplayedNumber('1.299', '.')).toBe(1.299);
  });

  it('returns undefined when there is no number', () => {
    expect(parseDisplayedNumber('sold out')).toBeUndefined();
    expect(parseDisplayedNumber('')).toBeUndefined();
  });
});
