/**
 * The one ordering of ids (nodes, resources, instances, constraints) the scheduler uses for
 * every tie-break, so plans never depend on input order or Map insertion. Digit runs compare
 * by value (`node2` < `node10`, `web:2` < `web:10`); ids equal under that rule (`n01`, `n1`)
 * fall back to code-unit order, so the result is a total order.
 */
export function compareNatural(a: string, b: string): number {
  const lengthA = a.length;
  const lengthB = b.length;
  let i = 0;
  let j = 0;
  while (i < lengthA && j < lengthB) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    if (isDigit(ca) && isDigit(cb)) {
      let startA = i;
      while (startA < lengthA && a.charCodeAt(startA) === 48) startA++;
      let startB = j;
      while (startB < lengthB && b.charCodeAt(startB) === 48) startB++;
      let endA = startA;
      while (endA < lengthA && isDigit(a.charCodeAt(endA))) endA++;
      let endB = startB;
      while (endB < lengthB && isDigit(b.charCodeAt(endB))) endB++;
      const digitsA = endA - startA;
      const digitsB = endB - startB;
      if (digitsA !== digitsB) return digitsA - digitsB;
      for (let k = 0; k < digitsA; k++) {
        const d = a.charCodeAt(startA + k) - b.charCodeAt(startB + k);
        if (d !== 0) return d;
      }
      i = endA;
      j = endB;
      continue;
    }
    if (ca !== cb) return ca - cb;
    i++;
    j++;
  }
  const restA = lengthA - i;
  const restB = lengthB - j;
  if (restA !== restB) return restA - restB;
  return a < b ? -1 : a > b ? 1 : 0;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}
