/** Linux /proc readings for the benchmark: process tree, who holds which socket, memory. */
import { readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';

/** The process and every descendant of it. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const visit = (pid: number) => {
    out.push(pid);
    for (const child of children.get(pid) ?? []) visit(child);
  };
  visit(root);
  return out;
}

/** Socket inodes with a TCP connection to `remotePort` (IPv4 and IPv6 tables). */
function inodesConnectedTo(remotePort: number): Set<string> {
  const inodes = new Set<string>();
  const portHex = remotePort.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const remote = fields[2];
      const inode = fields[9];
      if (remote && inode && remote.endsWith(`:${portHex}`)) inodes.add(inode);
    }
  }
  return inodes;
}

/** How many TCP connections to `remotePort` the process holds. */
export function connectionsTo(pid: number, remotePort: number): number {
  const inodes = inodesConnectedTo(remotePort);
  let count = 0;
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (match?.[1] && inodes.has(match[1])) count++;
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    return 0;
  }
  return count;
}

/** The process in the tree that holds the POP3 connections (Next may run the app in a worker). */
export function sessionHolder(root: number, remotePorts: number[]): { pid: number; tree: number[] } {
  const tree = processTree(root);
  let best = { pid: root, connections: 0 };
  for (const pid of tree) {
    const connections = remotePorts.reduce((sum, port) => sum + connectionsTo(pid, port), 0);
    if (connections > best.connections) best = { pid, connections };
  }
  return { pid: best.pid, tree };
}

export interface Memory {
  /** Resident set size now, bytes. */
  rss: number;
  /** Peak resident set size since start (or since `resetPeak`), bytes. */
  hwm: number;
}

export function memory(pid: number): Memory {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** Resets VmHWM to the current RSS (Linux ≥ 4.0, own processes). False when not allowed. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Samples RSS every `everyMs` until stopped; the peak of the samples and of VmHWM. */
export function rssSampler(pid: number, everyMs = 10): { stop(): { peak: number; samples: number } } {
  let peak = 0;
  let samples = 0;
  const take = () => {
    try {
      const { rss, hwm } = memory(pid);
      peak = Math.max(peak, rss, hwm);
      samples++;
    } catch {
      // process gone
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { peak, samples };
    },
  };
}

export function machine(): { nproc: number; cpu: string; memoryGiB: number; kernel: string } {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const cpu = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown';
  const memTotal = Number(/^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0);
  let kernel = 'unknown';
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    // not Linux
  }
  return { nproc: 0, cpu, memoryGiB: Math.round((memTotal / 1024 / 1024) * 10) / 10, kernel };
}

/** Clock ticks per second for /proc times (USER_HZ; 100 on every Linux that matters). */
const TICKS = 100;

/** utime, stime, cutime and cstime of a process in clock ticks, or none when it is gone. */
function cpuTicks(pid: number): number[] {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // after "pid (comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
    return [11, 12, 13, 14].map((i) => Number(fields[i] ?? 0));
  } catch {
    return [];
  }
}

/** CPU seconds used by the process, and by its reaped children. */
function processCpuSeconds(pid: number): number {
  return cpuTicks(pid).reduce((sum, ticks) => sum + ticks, 0) / TICKS;
}

/** CPU seconds used by the process itself (0 when it is gone). */
function cpuSeconds(pid: number): number {
  const [user = 0, system = 0] = cpuTicks(pid);
  return (user + system) / TICKS;
}

/** CPU seconds of these processes together (a process gone meanwhile counts 0). */
export function cpuSecondsOf(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
}

/** Busy seconds of all CPUs, and the part of time the hypervisor gave to other guests ("steal"). */
export function machineSeconds(): { busy: number; steal: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const [, user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).map(Number);
  return { busy: (user + nice + system + irq + softirq) / TICKS, steal: steal / TICKS };
}

/**
 * How much CPU other programs on the machine used while we measured: busy
 * time of all CPUs minus what this process tree (the benchmark, the app,
 * Dovecot, the proxy, Python) used, children already reaped included.
 */
export function foreignLoad(root: number): { stop(oursGone?: number): { seconds: number; foreignCpus: number; stolenCpus: number } } {
  const ours = () => processTree(root).reduce((sum, pid) => sum + processCpuSeconds(pid), 0);
  const machine0 = machineSeconds();
  const ours0 = ours();
  const t0 = Date.now();
  return {
    /** `oursGone`: CPU seconds of our own processes that left the tree unreaped meanwhile (killed workers). */
    stop(oursGone = 0) {
      const seconds = Math.max((Date.now() - t0) / 1000, 0.001);
      const machine = machineSeconds();
      const foreign = machine.busy - machine0.busy - (ours() - ours0) - oursGone;
      // Steal counts as disturbance too: CPUs this virtual machine was promised but did not get.
      const stolen = machine.steal - machine0.steal;
      return { seconds, foreignCpus: (Math.max(0, foreign) + stolen) / seconds, stolenCpus: stolen / seconds };
    },
  };
}
