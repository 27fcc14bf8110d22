/**
 * Checks that the lean header parse (lib/mail/header-summary.ts) gives what
 * simpleParser gave for the same bytes, over the sample maildrops and a few
 * thousand mutated header sections (tests/support/header-summary-oracle.ts).
 * Also prints the cost per message of each.
 *
 *   node --import tsx scripts/bench/header-summary-equivalence.ts [cases] [seed]
 */
import { summarizeHeaders } from '../../lib/mail/header-summary';
import { mismatches, oracleInputs, sampleSections, viaSimpleParser } from '../../tests/support/header-summary-oracle';

async function main(): Promise<void> {
  const inputs = oracleInputs(Number(process.argv[2] ?? 3000), Number(process.argv[3] ?? 6));
  const found = await mismatches(inputs);
  for (const mismatch of found.slice(0, 5)) {
    console.log('MISMATCH for', JSON.stringify(mismatch.input.toString('latin1')));
    console.log('  simpleParser:', mismatch.simple);
    console.log('  lean:        ', mismatch.lean);
  }
  console.log(`${inputs.length} header sections, ${found.length} mismatches`);

  const timing = sampleSections().slice(0, 300);
  let t0 = performance.now();
  for (let round = 0; round < 3; round++) for (const section of timing) await viaSimpleParser(section);
  const slow = (performance.now() - t0) / (3 * timing.length);
  t0 = performance.now();
  for (let round = 0; round < 30; round++) for (const section of timing) summarizeHeaders(section);
  const fast = (performance.now() - t0) / (30 * timing.length);
  console.log(`per message: simpleParser ${(slow * 1000).toFixed(0)} µs, lean ${(fast * 1000).toFixed(1)} µs`);
  process.exitCode = found.length === 0 ? 0 : 1;
}

void main();
