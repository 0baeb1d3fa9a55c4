#!/usr/bin/env node
// A tiny REST back-end for the HA load balancer example: GET /api/whoami answers which node
// served the request (the cluster node name the agent was started for, else the host name);
// GET /healthz is the health check. Usage: node backend.mjs PORT
import { createServer } from 'node:http';
import { hostname } from 'node:os';

const port = Number(process.argv[2] ?? 8081);
const node = process.env.OCF_RESKEY_CRM_meta_on_node ?? hostname();
createServer((req, res) => {
  if (req.url === '/healthz') return res.end('ok\n');
  if (req.url === '/api/whoami') {
    res.setHeader('content-type', 'application/json');
    return res.end(`${JSON.stringify({ node, pid: process.pid })}\n`);
  }
  res.statusCode = 404;
  res.end('not found\n');
}).listen(port);
process.on('SIGTERM', () => process.exit(0));
