/**
 * Collects the outcome of the interoperability scenarios (tests/integration/interop-*.test.ts)
 * and renders it as the Markdown table kept in docs/interop.md. Each test file
 * records per server and scenario; `write()` prints the table and
 * writes it under tests/artifacts/ so a run can be pasted into the docs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export type Outcome = 'pass' | 'fail' | 'n/a';

interface ServerRow {
  version: string;
  capa: string;
  mechanisms: Set<string>;
  results: Map<string, Outcome>;
}

const ARTIFACTS_DIR = path.resolve(__dirname, '..', 'artifacts');

export class InteropReport {
  private readonly servers = new Map<string, ServerRow>();
  private readonly scenarios: string[] = [];

  constructor(readonly title: string) {}

  private row(server: string): ServerRow {
    let row = this.servers.get(server);
    if (row === undefined) {
      row = { version: '—', capa: '—', mechanisms: new Set(), results: new Map() };
      this.servers.set(server, row);
    }
    return row;
  }

  describe(server: string, info: { version?: string; capa?: string }): void {
    const row = this.row(server);
    if (info.version !== undefined) row.version = info.version;
    if (info.capa !== undefined) row.capa = info.capa;
  }

  mechanism(server: string, mechanism: string): void {
    this.row(server).mechanisms.add(mechanism);
  }

  record(server: string, scenario: string, outcome: Outcome): void {
    if (!this.scenarios.includes(scenario)) this.scenarios.push(scenario);
    this.row(server).results.set(scenario, outcome);
  }

  /** Runs one scenario and records pass or fail; 'n/a' when it returns that. */
  async scenario(server: string, scenario: string, work: () => Promise<Outcome | void>): Promise<void> {
    try {
      const outcome = await work();
      this.record(server, scenario, outcome ?? 'pass');
    } catch (error) {
      this.record(server, scenario, 'fail');
      throw error;
    }
  }

  counts(): Record<Outcome, number> {
    const counts: Record<Outcome, number> = { pass: 0, fail: 0, 'n/a': 0 };
    for (const row of this.servers.values()) for (const outcome of row.results.values()) counts[outcome] += 1;
    return counts;
  }

  markdown(): string {
    const header = ['server', 'version', 'CAPA', 'mechanisms that worked', ...this.scenarios];
    const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
    for (const [server, row] of this.servers) {
      const cells = [
        server,
        row.version,
        row.capa,
        [...row.mechanisms].join(', ') || '—',
        ...this.scenarios.map((scenario) => row.results.get(scenario) ?? '—'),
      ];
      lines.push(`| ${cells.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`);
    }
    return lines.join('\n');
  }

  /** Prints the table and writes it to tests/artifacts/<name>.md. */
  write(name: string): string {
    const counts = this.counts();
    const text = `## ${this.title}\n\n${this.markdown()}\n\npass ${counts.pass}, fail ${counts.fail}, n/a ${counts['n/a']}\n`;
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    const file = path.join(ARTIFACTS_DIR, `${name}.md`);
    writeFileSync(file, text);
    process.stdout.write(`\n${text}\n(written to ${path.relative(process.cwd(), file)})\n`);
    return file;
  }
}
