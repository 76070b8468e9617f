/**
 * Hostile inputs for the fuzz suite: random values of every shape, plus the ones that have broken
 * real JSON servers (prototype keys, deep nesting, huge strings, lookalike numbers).
 */
import fc from 'fast-check';

/** Strings that are hard to handle: control characters, lone surrogates, SQL/HTML, huge. */
export const nastyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\ud800',
    '__proto__',
    'constructor',
    'prototype',
    "'; DROP TABLE x; --",
    '<script>alert(1)</script>',
    '../../../etc/passwd',
    '%00',
    'NaN',
    '-0',
    '1e309',
    '0x10',
    '${MIRTA_KEY}',
    'x'.repeat(70_000),
  ),
);

/** A value with poisoned keys at some depth. */
export const poisoned = fc.constantFrom<unknown>(
  JSON.parse('{"__proto__": {"polluted": true}}'),
  JSON.parse('{"constructor": {"prototype": {"polluted": true}}}'),
  { toString: 'not a function', valueOf: 1 },
  { then: 'not a thenable' },
);

/** Deeply nested arrays/objects (recursion limits). */
export const deep = fc.integer({ min: 50, max: 3000 }).map((depth) => {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
});

/** Anything a JSON or socket.io client could send. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.anything({ maxDepth: 4, withNullPrototype: true, withObjectString: true }) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 1, arbitrary: nastyString },
  { weight: 1, arbitrary: poisoned },
  { weight: 1, arbitrary: deep },
);

/** `value` with the field at a random path of it replaced by a hostile value. */
export function mutateAt(base: unknown): fc.Arbitrary<unknown> {
  const paths: (string | number)[][] = [];
  const walk = (node: unknown, path: (string | number)[]): void => {
    paths.push(path);
    if (Array.isArray(node)) node.forEach((child, index) => walk(child, [...path, index]));
    else if (node !== null && typeof node === 'object') for (const [key, child] of Object.entries(node)) walk(child, [...path, key]);
  };
  walk(base, []);
  return fc.tuple(fc.constantFrom(...paths), hostileValue, fc.boolean()).map(([path, value, extraKey]) => {
    const copy = structuredClone(base) as Record<string | number, unknown>;
    if (path.length === 0) return value;
    let node: Record<string | number, unknown> = copy;
    for (const part of path.slice(0, -1)) node = node[part] as Record<string | number, unknown>;
    const last = path[path.length - 1] as string | number;
    if (extraKey && typeof node === 'object' && !Array.isArray(node)) node[`extra_${String(last)}`] = value;
    else node[last] = value;
    return copy;
  });
}

/** Vendor bodies: random text, JSON of any shape, CSV-ish and `;`-separated lines, PHP-ish noise. */
export const vendorBody: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 500 }),
  fc.string({ unit: 'binary', maxLength: 500 }),
  fc.jsonValue({ maxDepth: 5 }).map((value) => JSON.stringify(value)),
  fc.array(fc.dictionary(fc.string({ maxLength: 12 }), fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.constant(null)), { maxKeys: 8 }), { maxLength: 20 }).map((rows) => JSON.stringify(rows)),
  fc
    .tuple(fc.constantFrom(';', ',', '\t', '|', ': '), fc.array(fc.array(fc.string({ maxLength: 15 }), { maxLength: 12 }), { maxLength: 30 }))
    .map(([separator, lines]) => lines.map((cells) => cells.join(separator)).join('\n')),
  fc.constantFrom('', ' ', 'null', '[]', '{}', '"x"', '0', 'true', '<html><body>502 Bad Gateway</body></html>', 'KO', 'OK', 'ERROR', 'Array\n(\n)', '{"error": "x"}', '\ufeff[]', '[{"__proto__":{"x":1}}]'),
);
