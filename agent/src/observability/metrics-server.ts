import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

/** A running metrics endpoint. */
export interface MetricsServer {
  /** The bound "host:port" (the real port when asked for port 0). */
  address: string;
  close(): Promise<void>;
}

/**
 * Serve `registry` in the Prometheus text format at `GET /metrics` on `listen` ("host:port";
 * port 0 picks a free one). Anything else is 404. Plain HTTP, read only: bind it to an
 * address only the monitoring system reaches (docs/observability.md). Rejects when the
 * address cannot be bound.
 */
export async function serveMetrics(listen: string, registry: Registry): Promise<MetricsServer> {
  const colon = listen.lastIndexOf(':');
  const host = listen.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = Number(listen.slice(colon + 1));
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) =>
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(err)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address();
  const boundPort = typeof bound === 'object' && bound !== null ? bound.port : port;
  return {
    address: `${listen.slice(0, colon)}:${boundPort}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
