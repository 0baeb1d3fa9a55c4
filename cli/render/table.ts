/**
 * Rows as aligned text columns under upper-case headers, two spaces apart, the last column
 * left ragged (kubectl's style: easy to read, easy to `awk`). Empty cells print as `-` so a
 * column never collapses. A cell may hold several lines: they continue in the same column.
 */
export function renderTable(headers: string[], rows: string[][]): string {
  const cells = rows.map((r) =>
    headers.map((_, i) => (r[i] === undefined || r[i] === '' ? '-' : r[i]!)),
  );
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...cells.flatMap((r) => r[i]!.split('\n').map((l) => l.length))),
  );
  const line = (values: string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [line(headers.map((h) => h.toUpperCase()))];
  for (const row of cells) {
    const parts = row.map((c) => c.split('\n'));
    const height = Math.max(...parts.map((p) => p.length));
    for (let k = 0; k < height; k++) out.push(line(parts.map((p) => p[k] ?? '')));
  }
  return out.join('\n');
}
