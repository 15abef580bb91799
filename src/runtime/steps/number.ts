/**
 * Reads a number the way a page shows it: "€1,299.00", "1.299,00 €", "1 299,5", "-12%", "(3.50)".
 * Written here rather than taken from a library because locale libraries parse one known locale,
 * while a scraped page's locale is unknown; this decides the decimal separator from the text.
 */
export function parseDisplayedNumber(text: string, decimal?: '.' | ','): number | undefined {
  const match = /(\(?)([-+\u2212]?)\s*(\d[\d.,'\s\u00a0\u202f]*)/.exec(text);
  if (!match) return undefined;
  const negative = match[2] === '-' || match[2] === '\u2212' || (match[1] === '(' && text.includes(')'));
  // Digits grouped by spaces or apostrophes; trailing separators belong to the sentence, not the number.
  const body = match[3]!.replace(/[\s\u00a0\u202f']/g, '').replace(/[.,]+$/, '');
  const separator = decimal ?? decimalSeparator(body);
  const normalized = separator === undefined
    ? body.replace(/[.,]/g, '')
    : body.split(separator === '.' ? ',' : '.').join('').replace(separator, '.');
  if (!/^\d+(\.\d+)?$/.test(normalized)) return undefined;
  const value = Number(normalized);
  return negative ? -value : value;
}

/** The decimal separator of a digit string such as "1,299.00", or undefined when it has none. */
function decimalSeparator(body: string): '.' | ',' | undefined {
  const lastDot = body.lastIndexOf('.');
  const lastComma = body.lastIndexOf(',');
  if (lastDot >= 0 && lastComma >= 0) return lastDot > lastComma ? '.' : ',';
  const sep = lastDot >= 0 ? '.' : lastComma >= 0 ? ',' : undefined;
  if (sep === undefined) return undefined;
  const parts = body.split(sep);
  // "1,299,000" or "1.299.000": repeated, so thousands groups.
  if (parts.length > 2) return undefined;
  // A single separator followed by exactly three digits ("1,299") reads as a thousands group.
  return parts[1]!.length === 3 ? undefined : sep;
}
