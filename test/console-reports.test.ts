// The console's navigator reports (issue 18): a report a job left in its artifacts (report.json
// and pareto.svg, written by the navigator's own writer) is listed with its recommendation, and
// its Pareto chart is served as an image through a read-scoped route with a policy that lets
// nothing run; only a report's pareto.svg is served there, and no path leaves the job's folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { api, authHeaders } from './platform-helpers.js';
import { ended, fakeLauncher, startJobsPlatform, submit, waitJob } from './jobs-helpers.js';
import { writeSampleReport } from './navigator-report.fixture.js';

test('navigator reports: listed with the recommendation, chart behind a read token with a strict CSP', { timeout: 60_000 }, async () => {
  const p = await startJobsPlatform(fakeLauncher);
  try {
    assert.deepEqual((await api(p, 'GET', '/reports')).json, { reports: [] });
    const job = await submit(p, 'train', ['--dataset', 'mnist-small', '--epochs', '1']);
    await waitJob(p, job.id, ended, 20_000);
    // what `lep optimize --out <artifacts>` leaves, in a sub-folder as a pipeline's step would
    const written = await writeSampleReport(join(p.jobs!.dir(job.id), 'artifacts', 'optimize'));

    const r = await api(p, 'GET', '/reports');
    assert.equal(r.status, 200);
    const [rep, ...rest] = (r.json as { reports: Array<Record<string, unknown>> }).reports;
    assert.equal(rest.length, 0);
    assert.equal(rep!['job'], job.id);
    assert.equal(rep!['folder'], 'optimize/');
    assert.equal(rep!['model'], 'mnist-mlp');
    assert.equal((rep!['recommendation'] as { text: string }).text, written.recommendation.text);
    assert.equal(rep!['savingsFactor'], 2.66);
    assert.equal((rep!['front'] as unknown[]).length, 2);
    assert.equal(rep!['chart'], `api/v1/reports/${job.id}/optimize/pareto.svg`);

    const chart = await fetch(`${p.url}/${rep!['chart'] as string}`, { headers: authHeaders(p) });
    assert.equal(chart.status, 200);
    assert.match(chart.headers.get('content-type') ?? '', /^image\/svg\+xml/);
    assert.equal(chart.headers.get('x-content-type-options'), 'nosniff');
    const csp = chart.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /\bsandbox\b/);
    assert.doesNotMatch(csp, /script-src|unsafe-eval/);
    const svg = await chart.text();
    assert.match(svg, /^<svg|<\?xml/);
    assert.doesNotMatch(svg, /<script/i);

    // a read token sees reports; no token sees nothing; only pareto.svg, only inside the job
    const viewer = (await api(p, 'POST', '/tokens', { name: 'viewer', scopes: ['read'] })).json['token'] as string;
    assert.equal((await fetch(`${p.url}/api/v1/reports`, { headers: authHeaders(p, viewer) })).status, 200);
    assert.equal((await fetch(`${p.url}/api/v1/reports/${job.id}/optimize/pareto.svg`, { headers: authHeaders(p, viewer) })).status, 200);
    assert.equal((await fetch(`${p.url}/api/v1/reports`)).status, 401);
    assert.equal((await fetch(`${p.url}/${rep!['chart'] as string}`)).status, 401);
    assert.equal((await fetch(`${p.url}/api/v1/reports/${job.id}/optimize/report.json`, { headers: authHeaders(p) })).status, 404);
    assert.equal((await fetch(`${p.url}/api/v1/reports/${job.id}/..%2F..%2Fpareto.svg`, { headers: authHeaders(p) })).status, 400);
    assert.equal((await fetch(`${p.url}/api/v1/reports/nope/pareto.svg`, { headers: authHeaders(p) })).status, 404);
  } finally {
    await p.dispose();
  }
});
