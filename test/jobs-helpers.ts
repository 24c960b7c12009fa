/**
 * Helpers for the jobs tests: a platform with jobs whose `lep` is either the real CLI (bin/lep.js)
 * or test/fixtures/fake-lep.mjs (cheap, and misbehaving on purpose), plus small API calls.
 */
import { request } from 'undici';
import { startTestPlatform, authHeaders, type TestPlatform } from './platform-helpers.js';
import { type JobLauncher, type JobRecord } from '../src/jobs/index.js';
import { type PlatformOptions } from '../src/deploy/platform.js';

export const LEP = new URL('../bin/lep.js', import.meta.url).pathname;
const FAKE = new URL('./fixtures/fake-lep.mjs', import.meta.url).pathname;

export const realLauncher: JobLauncher = (argv) => ({ command: process.execPath, args: [LEP, ...argv] });
export const fakeLauncher: JobLauncher = (argv) => ({ command: process.execPath, args: [FAKE, ...argv] });

export function startJobsPlatform(launcher: JobLauncher, jobs: Partial<NonNullable<PlatformOptions['jobs']>> = {}, extra: Partial<PlatformOptions> = {}): Promise<TestPlatform> {
  return startTestPlatform({ ...extra, jobs: { launcher, killGraceMs: 1000, ...jobs } });
}

export async function call(p: TestPlatform, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await request(`${p.url}/api/v1${path}`, {
    method: method as 'GET',
    headers: { ...authHeaders(p), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await r.body.text();
  return { status: r.statusCode, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export async function submit(p: TestPlatform, kind: string, args: string[], extra: Record<string, unknown> = {}): Promise<JobRecord> {
  const r = await call(p, 'POST', '/jobs', { kind, args, ...extra });
  if (r.status !== 201) throw new Error(`submit answered ${r.status}: ${JSON.stringify(r.json)}`);
  return r.json as unknown as JobRecord;
}

export async function job(p: TestPlatform, id: string): Promise<JobRecord> {
  return (await call(p, 'GET', `/jobs/${id}`)).json as unknown as JobRecord;
}

/** Poll until `pred` holds for the job (bounded). */
export async function waitJob(p: TestPlatform, id: string, pred: (j: JobRecord) => boolean, timeoutMs = 60_000): Promise<JobRecord> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const j = await job(p, id);
    if (pred(j)) return j;
    if (Date.now() > until) throw new Error(`job ${id} still ${j.state} after ${timeoutMs} ms: ${JSON.stringify(j)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const ended = (j: JobRecord): boolean => ['succeeded', 'failed', 'cancelled'].includes(j.state);

/** Read a follow stream to its end: the `line` events' data and the final `end` event's job. */
export async function followLogs(p: TestPlatform, id: string, since = 0): Promise<{ lines: Array<{ seq: number; line: string; stream: string }>; end: JobRecord | undefined; afterEnd: string }> {
  const r = await request(`${p.url}/api/v1/jobs/${id}/logs?follow=1&since=${since}`, { headers: authHeaders(p), bodyTimeout: 120_000 });
  if (r.statusCode !== 200) throw new Error(`follow answered ${r.statusCode}: ${await r.body.text()}`);
  const text = await r.body.text();
  const lines: Array<{ seq: number; line: string; stream: string }> = [];
  let end: JobRecord | undefined;
  const events = text.split('\n\n').filter((e) => e.trim() !== '' && !e.startsWith(':'));
  let afterEnd = '';
  for (const e of events) {
    if (end) afterEnd += e;
    const type = /^event: (\S+)$/m.exec(e)?.[1];
    const data = /^data: (.*)$/m.exec(e)?.[1] ?? '';
    if (type === 'line') lines.push(JSON.parse(data) as { seq: number; line: string; stream: string });
    else if (type === 'end') end = JSON.parse(data) as JobRecord;
  }
  return { lines, end, afterEnd };
}
