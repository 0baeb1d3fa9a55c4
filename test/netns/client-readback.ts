// The read-back check, run inside the client namespace as
//   node client-readback.js '{"base":"http://198.18.x.200/","namesFile":"/path/names.json"}'
// GETs every named file (the names a writer probe saw acknowledged) through the address, eight
// at a time, each bounded by `timeoutMs`, and prints one JSON line: how many were read with
// the right body, which were missing (404), which had another body, and which could not be
// asked (connection errors, timeouts, other statuses: the service was not answering, which is
// not evidence of a lost write and is reported apart).
import http from 'node:http';
import { readFileSync } from 'node:fs';

export interface ReadbackConfig {
  base: string;
  /** A JSON file holding the array of names to read; each file's body must be its own name. */
  namesFile: string;
  timeoutMs?: number;
}

export interface ReadbackReport {
  checked: number;
  ok: number;
  missing: string[];
  wrong: string[];
  errors: { name: string; detail: string }[];
}

function fetchBody(url: string, timeoutMs: number): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as ReadbackConfig;
  const names = JSON.parse(readFileSync(cfg.namesFile, 'utf8')) as string[];
  const report: ReadbackReport = { checked: 0, ok: 0, missing: [], wrong: [], errors: [] };
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const name = names[next++]!;
      report.checked++;
      try {
        const r = await fetchBody(`${cfg.base}${name}`, cfg.timeoutMs ?? 2_000);
        if (r.code === 200 && r.body === name) report.ok++;
        else if (r.code === 200) report.wrong.push(name);
        else if (r.code === 404) report.missing.push(name);
        else report.errors.push({ name, detail: `HTTP ${r.code}` });
      } catch (err) {
        report.errors.push({ name, detail: err instanceof Error ? err.message : String(err) });
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

if (process.argv[1]?.endsWith('client-readback.js') === true) {
  main().catch((err: unknown) => {
    process.stderr.write(`client-readback: ${String(err)}\n`);
    process.exit(1);
  });
}
