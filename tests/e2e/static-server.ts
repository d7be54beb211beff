// A tiny static file server for the built app (dist/), on 127.0.0.1 and a free port. WebGPU needs
// a secure context, which http://127.0.0.1 is. Missing files are a plain 404 (no SPA fallback), as
// a static host would answer. Every file comes with the cross-origin isolation headers `npm start`
// sends, so the page runs TF.js's threaded wasm as a user's does.
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { CROSS_ORIGIN_ISOLATION } from '../../scripts/lib/vite-wasm-threads';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.ckpt': 'application/octet-stream',
};

export interface StaticServer {
  url: string;
  /** Paths requested, in order (for assertions about what the page fetched). */
  requests: string[];
  close(): Promise<void>;
}

/** Serves `root`; `overrides` answers chosen paths with given bytes (e.g. a shipped checkpoint). */
export async function serveStatic(root: string, overrides: ReadonlyMap<string, Uint8Array> = new Map()): Promise<StaticServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(pathname);
    const override = overrides.get(pathname);
    if (override) {
      res.writeHead(200, { 'content-type': TYPES[extname(pathname)] ?? 'application/octet-stream', 'content-length': override.length });
      res.end(override);
      return;
    }
    const file = normalize(join(root, pathname === '/' ? 'index.html' : pathname));
    if (!file.startsWith(root.endsWith(sep) ? root : root + sep)) {
      res.writeHead(403).end();
      return;
    }
    let size: number;
    try {
      const stat = statSync(file);
      if (!stat.isFile()) throw new Error('not a file');
      size = stat.size;
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': size,
      'cache-control': 'no-store',
      ...CROSS_ORIGIN_ISOLATION,
    });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
