// The client probe: run inside the client namespace as
//   node client-probe.js '{"url":"http://198.18.x.200:8080/","intervalMs":20,...}'
// Starts one HTTP GET every `intervalMs` (a fresh connection each time, so every request asks
// the network anew who holds the address), each bounded by `timeoutMs`, for at most `maxMs`
// or `maxCount` requests or until SIGTERM. Results are taken in the order the requests were
// started; every change between up and down is printed as a JSON line, and a summary line
// with the outages ends the run. Up means an HTTP answer with a status below 400.
// With `putPrefix` every request is a PUT of a new file `<url><putPrefix><seq>` whose body is
// its own name (a writer: up means 201/204, and the report lists every acknowledged name, so a
// test can read each one back afterwards).
import http from 'node:http';

export interface ProbeConfig {
  url: string;
  intervalMs: number;
  timeoutMs: number;
  maxMs: number;
  maxCount: number;
  /** PUT new files named `<putPrefix><seq>` instead of GETs. */
  putPrefix?: string;
}

export interface ProbeTransition {
  /** Wall-clock start (ms since the epoch) of the first request that saw the new state. */
  atMs: number;
  up: boolean;
  /** Status code or error of that request. */
  detail: string;
}

export interface ProbeOutage {
  fromMs: number;
  toMs: number;
  /** Still down when the probe ended (toMs is the last request's start). */
  open: boolean;
}

export interface ProbeReport {
  url: string;
  requests: number;
  ok: number;
  failed: number;
  startedAtMs: number;
  endedAtMs: number;
  transitions: ProbeTransition[];
  outages: ProbeOutage[];
  /** Sum and maximum of the outages, in ms. */
  downtimeMs: number;
  longestOutageMs: number;
  /** PUT mode: names of the files whose PUT was acknowledged (201 or 204), in order. */
  acked: string[];
}

export type ProbeLine =
  | { type: 'ready'; startedAtMs: number }
  | ({ type: 'transition' } & ProbeTransition)
  | { type: 'end'; report: ProbeReport };

const nowMs = () => performance.timeOrigin + performance.now();

function get(
  url: string,
  timeoutMs: number,
  putBody?: string,
): Promise<{ up: boolean; detail: string }> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (up: boolean, detail: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ up, detail });
    };
    const put = putBody !== undefined;
    const req = http.request(
      url,
      { method: put ? 'PUT' : 'GET', agent: false, headers: { connection: 'close' } },
      (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        finish(put ? code === 201 || code === 204 : code >= 200 && code < 400, String(code));
      },
    );
    req.end(putBody);
    const timer = setTimeout(() => {
      finish(false, 'timeout');
      req.destroy();
    }, timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => finish(false, err.code ?? err.message));
  });
}

function print(line: ProbeLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as ProbeConfig;
  const startedAtMs = nowMs();
  const report: ProbeReport = {
    url: cfg.url,
    requests: 0,
    ok: 0,
    failed: 0,
    startedAtMs,
    endedAtMs: startedAtMs,
    transitions: [],
    outages: [],
    downtimeMs: 0,
    longestOutageMs: 0,
    acked: [],
  };
  const results: ({ at: number; up: boolean; detail: string } | undefined)[] = [];
  let next = 0;
  let state: boolean | undefined;
  let lastStart = startedAtMs;
  const inFlight = new Set<Promise<void>>();

  const settle = () => {
    while (results[next] !== undefined) {
      const r = results[next]!;
      results[next] = undefined;
      next++;
      if (r.up) report.ok++;
      else report.failed++;
      if (r.up === state) continue;
      const t: ProbeTransition = { atMs: r.at, up: r.up, detail: r.detail };
      report.transitions.push(t);
      print({ type: 'transition', ...t });
      if (!r.up) report.outages.push({ fromMs: r.at, toMs: r.at, open: true });
      else if (state === false) {
        const o = report.outages[report.outages.length - 1]!;
        o.toMs = r.at;
        o.open = false;
      }
      state = r.up;
    }
  };

  let stopped = false;
  process.once('SIGTERM', () => (stopped = true));
  process.once('SIGINT', () => (stopped = true));
  print({ type: 'ready', startedAtMs });

  const deadline = startedAtMs + cfg.maxMs;
  for (let seq = 0; seq < cfg.maxCount && !stopped && nowMs() < deadline; seq++) {
    const at = nowMs();
    lastStart = at;
    report.requests++;
    results[seq] = undefined;
    const name = cfg.putPrefix === undefined ? undefined : `${cfg.putPrefix}${seq}`;
    const url = name === undefined ? cfg.url : `${cfg.url}${name}`;
    const p = get(url, cfg.timeoutMs, name).then((r) => {
      if (r.up && name !== undefined) report.acked.push(name);
      results[seq] = { at, ...r };
      settle();
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    const wait = at + cfg.intervalMs - nowMs();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await Promise.all(inFlight);
  settle();
  const open = report.outages[report.outages.length - 1];
  if (open?.open === true) open.toMs = lastStart;
  report.endedAtMs = nowMs();
  report.downtimeMs = report.outages.reduce((s, o) => s + (o.toMs - o.fromMs), 0);
  report.longestOutageMs = report.outages.reduce((m, o) => Math.max(m, o.toMs - o.fromMs), 0);
  print({ type: 'end', report });
}

// Only when run as a script (the harness imports the types).
if (process.argv[1]?.endsWith('client-probe.js') === true) {
  main().catch((err: unknown) => {
    process.stderr.write(`client-probe: ${String(err)}\n`);
    process.exit(1);
  });
}
