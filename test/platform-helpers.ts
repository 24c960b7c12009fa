/**
 * Helpers for the platform end-to-end tests: a temp LEPTON_HOME, a tiny photon (4 → 8 → 3 MLP
 * built with the ONNX builder) stored through the registry API, the platform on 127.0.0.1:0 with
 * fast supervision settings, and a closed-loop load generator that records every failure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { createPhoton } from '../src/photon/create.js';
import { startPlatform, type Platform, type PlatformOptions } from '../src/deploy/platform.js';
import { mlpModel, mlpWeights } from './fixtures/models.js';

export interface TestPlatform extends Platform {
  home: string;
  /** The admin token the platform created on its first start (auth is on by default). */
  token: string;
  dispose(): Promise<void>;
}

const tokens = new Map<string, string>();

/** `authorization: Bearer <admin token>` for a platform started by startTestPlatform (or `token`). */
export function authHeaders(p: { url: string }, token?: string): Record<string, string> {
  const t = token ?? tokens.get(p.url);
  return t === undefined ? {} : { authorization: `Bearer ${t}` };
}

export async function startTestPlatform(extra: Partial<PlatformOptions> = {}): Promise<TestPlatform> {
  const home = extra.home ?? mkdtempSync(join(tmpdir(), 'lepton-platform-'));
  const p = await startPlatform({
    home,
    port: 0,
    host: '127.0.0.1',
    gatewayDefaults: { health: { path: '/v2/health/ready', intervalMs: 200, timeoutMs: 500, healthyThreshold: 1, unhealthyThreshold: 2 } },
    ...extra,
    controlPlane: {
      supervisor: { backoffBaseMs: 200, backoffMaxMs: 2000, readyTimeoutMs: 30_000, stopGraceMs: 5000 },
      drainTimeoutMs: 5000,
      ...extra.controlPlane,
    },
  });
  if (p.adminToken === undefined) throw new Error('a fresh platform must create an admin token');
  tokens.set(p.url, p.adminToken);
  return {
    ...p,
    home,
    token: p.adminToken,
    async dispose() {
      await p.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Store the tiny photon `tiny@<version>` (weights differ by version) through the registry API. */
export async function addTinyPhoton(p: Platform, version: string): Promise<void> {
  const model = mlpModel(mlpWeights([4, 8, 3], 100 + Number(version)));
  const { archive } = await createPhoton({ name: 'tiny', version, model, labels: ['a', 'b', 'c'] });
  await p.controlPlane.addPhoton(archive);
}

export const TINY_BODY = JSON.stringify({ inputs: [[0.1, 0.2, 0.3, 0.4]] });

export async function api(p: Platform, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await request(`${p.url}/api/v1${path}`, {
    method: method as 'GET',
    headers: { ...authHeaders(p), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: r.statusCode, json: (await r.body.json()) as Record<string, unknown> };
}

export interface LoadResult {
  ok: number;
  failed: number;
  failures: string[];
  byReplica: Map<string, number>;
  models: Set<string>;
}

/** Keep `concurrency` requests in flight against `url` until `stop()`; count every outcome. */
export function startLoad(url: string, concurrency: number, headers: Record<string, string> = {}): { stop(): Promise<LoadResult> } {
  const res: LoadResult = { ok: 0, failed: 0, failures: [], byReplica: new Map(), models: new Set() };
  const dispatcher = new Agent({ connections: concurrency, keepAliveTimeout: 10_000 });
  let running = true;
  const worker = async (): Promise<void> => {
    while (running) {
      try {
        const r = await request(url, { method: 'POST', body: TINY_BODY, headers: { 'content-type': 'application/json', ...headers }, dispatcher });
        const text = await r.body.text();
        if (r.statusCode === 200) {
          res.ok++;
          const rep = String(r.headers['x-lepton-replica']);
          res.byReplica.set(rep, (res.byReplica.get(rep) ?? 0) + 1);
          const model = (JSON.parse(text) as { model?: string }).model;
          if (model) res.models.add(model);
        } else {
          res.failed++;
          if (res.failures.length < 10) res.failures.push(`${r.statusCode} ${text.slice(0, 200)}`);
        }
      } catch (err) {
        res.failed++;
        if (res.failures.length < 10) res.failures.push(String((err as Error).message));
      }
    }
  };
  const workers = Array.from({ length: concurrency }, () => worker());
  return {
    async stop() {
      running = false;
      await Promise.all(workers);
      await dispatcher.close();
      return res;
    },
  };
}

export async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
