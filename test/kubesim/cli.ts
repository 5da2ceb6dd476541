// Runs kubesim as a standalone process:
//   tsx test/kubesim/cli.ts --kubeconfig FILE [--fault KIND/NAME=FAULT ...] [--latency MS] [--port N] [--tick MS]
// Prints one line containing "ready" (with the URL and context) once it serves, and exits 0 on
// SIGTERM/SIGINT.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseFault, startKubesim } from './server.js';

const usage = 'usage: tsx test/kubesim/cli.ts --kubeconfig FILE [--fault KIND/NAME=FAULT ...] [--latency MS] [--port N] [--tick MS]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      kubeconfig: { type: 'string' },
      fault: { type: 'string', multiple: true },
      latency: { type: 'string' },
      port: { type: 'string' },
      tick: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  if (!values.kubeconfig) throw new Error(`--kubeconfig is required\n${usage}`);
  const faults = (values.fault ?? []).flatMap(parseFault); // fail fast on a bad spec
  const number = (v: string | undefined, flag: string) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} must be a non-negative integer, got "${v}"`);
    return n;
  };
  const sim = await startKubesim({
    kubeconfigPath: resolve(values.kubeconfig),
    faults,
    latencyMs: number(values.latency, '--latency'),
    port: number(values.port, '--port'),
    tickMs: number(values.tick, '--tick'),
  });
  console.log(`kubesim ready url=${sim.url} context=${sim.context} kubeconfig=${sim.kubeconfigPath}${faults.length ? ` faults=${values.fault?.join(',')}` : ''}`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await sim.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e: unknown) => {
  console.error(`kubesim: ${(e as Error).message}`);
  process.exit(2);
});
