/**
 * A job's processes: the command runs as the leader of its own process group (spawned detached),
 * so a cancel signals the whole group — the command and anything it started — and "nothing of it
 * remains" can be checked by scanning /proc for members of that group.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

interface ProcStat {
  state: string;
  pgrp: number;
  startTicks: number;
}

function procStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and parentheses: count from the last ')'
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0] ?? '', pgrp: Number(rest[2]), startTicks: Number(rest[19]) };
  } catch {
    return undefined;
  }
}

/** Kernel start time of `pid` in clock ticks; null when it is gone, a zombie, or /proc is absent. */
export function startTicks(pid: number): number | null {
  const s = procStat(pid);
  return s && s.state !== 'Z' && s.state !== 'X' && Number.isSafeInteger(s.startTicks) ? s.startTicks : null;
}

/** Live (non-zombie) pids whose process group is `pgid`. */
export function groupMembers(pgid: number): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    const s = procStat(Number(n));
    if (s && s.pgrp === pgid && s.state !== 'Z' && s.state !== 'X') found.push(Number(n));
  }
  return found;
}

/** Signal every process of group `pgid`; false when the group is already empty. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: nothing left in the group
  }
}

/**
 * The group recorded for a job that is still ours: its leader has the recorded start time, or the
 * leader is gone but members remain (the kernel does not reuse a pid while its group has members).
 */
export function isOurGroup(pgid: number, procStart: number | null): boolean {
  const leader = startTicks(pgid);
  if (leader !== null) return procStart !== null && leader === procStart;
  return groupMembers(pgid).length > 0;
}

/** SIGTERM the group, SIGKILL it after `graceMs`; resolves when no member is left (or after a last SIGKILL). */
export async function killGroup(pgid: number, graceMs: number, pollMs = 50): Promise<void> {
  if (!signalGroup(pgid, 'SIGTERM')) return;
  const deadline = Date.now() + graceMs;
  while (groupMembers(pgid).length > 0) {
    if (Date.now() >= deadline) {
      signalGroup(pgid, 'SIGKILL');
      const hard = Date.now() + 5000;
      while (groupMembers(pgid).length > 0 && Date.now() < hard) await new Promise((r) => setTimeout(r, pollMs));
      return;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Start `command` as the leader of a new process group, output piped, with an IPC channel as its lifeline. */
export function spawnGroup(command: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): ChildProcess {
  return spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env, ...(cwd ? { cwd } : {}) });
}
