/**
 * The job guard: a small node process that leads a job's process group and runs the job's command
 * as its child. The command may block its own event loop for minutes (training is synchronous), so
 * it cannot notice the platform dying; the guard is idle and does: when the platform is gone (its
 * IPC channel closes, or it is no longer our parent) it stops the whole group — SIGTERM, then
 * SIGKILL after the grace period. It ignores SIGTERM itself (a cancel reaches its child through the
 * group) and exits with the child's status (128 + signal number when a signal ended it).
 */

/** Source of the guard, run as `node -e GUARD_SOURCE`; its command comes in LEPTON_JOB_ARGV (JSON). */
export const GUARD_SOURCE = `
const { spawn } = require('node:child_process');
const { constants } = require('node:os');
const [cmd, ...args] = JSON.parse(process.env.LEPTON_JOB_ARGV);
const parent = Number(process.env.LEPTON_JOB_PARENT);
const grace = Number(process.env.LEPTON_JOB_GRACE_MS) || 5000;
delete process.env.LEPTON_JOB_ARGV;
process.on('SIGTERM', () => {});
process.on('SIGINT', () => {});
const child = spawn(cmd, args, { stdio: 'inherit' });
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  try { process.kill(-process.pid, 'SIGTERM'); } catch {}
  setTimeout(() => { try { process.kill(-process.pid, 'SIGKILL'); } catch {} }, grace).unref();
};
const poll = setInterval(() => { if (process.ppid !== parent) stop(); }, 250);
process.once('disconnect', stop);
if (process.channel) process.channel.unref();
child.once('error', (err) => { process.stderr.write('cannot start ' + cmd + ': ' + err.message + '\\n'); clearInterval(poll); process.exitCode = 127; if (process.connected) process.disconnect(); });
child.once('exit', (code, signal) => {
  clearInterval(poll);
  process.exitCode = code === null ? 128 + (constants.signals[signal] || 0) : code;
  if (process.connected) process.disconnect();
});
`;
