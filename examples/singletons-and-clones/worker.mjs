#!/usr/bin/env node
// A stand-in service for the singletons-and-clones and sharded examples: answers GET / with
// its role and node as JSON on PORT (0: no port, just runs), so a test, or you, can see where
// each one runs. Usage: node worker.mjs ROLE [PORT]
import { createServer } from 'node:http';
import { hostname } from 'node:os';

const role = process.argv[2] ?? 'worker';
const port = Number(process.argv[3] ?? 0);
const node = process.env.OCF_RESKEY_CRM_meta_on_node ?? hostname();
if (port > 0)
  createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(`${JSON.stringify({ role, node, pid: process.pid })}\n`);
  }).listen(port);
else setInterval(() => undefined, 60_000);
process.on('SIGTERM', () => process.exit(0));
