// The first screen: what the probes found, row by row, as they find it. Enter moves on at any
// time; facts that arrive later still feed the defaults of questions not yet reached.
import { Box, Text, useInput } from 'ink';
import Spinner from 'ink-spinner';
import type { ProbeName, WizardFact } from '../ports.js';
import { Frame, KEYS, Mark } from './common.js';

type Row = 'identity' | 'kubernetes' | 'services' | 'capacity';

const ROWS: { row: Row; label: string; probes: ProbeName[] }[] = [
  { row: 'identity', label: 'Cloud identity', probes: ['aws', 'gcp'] },
  { row: 'kubernetes', label: 'Kubernetes', probes: ['kubernetes'] },
  { row: 'services', label: 'MySQL and Redis', probes: ['cloudsql', 'memorystore', 'rds', 'elasticache'] },
  { row: 'capacity', label: 'Cluster capacity', probes: ['capacity'] },
];

const MAX_LINES_PER_ROW = 3;

function rowOf(f: WizardFact): Row | undefined {
  switch (f.kind) {
    case 'aws-identity':
    case 'gcp-project':
      return 'identity';
    case 'kube-context':
      return 'kubernetes';
    case 'capacity':
      return 'capacity';
    case 'probe-failed':
      return ROWS.find((r) => r.probes.includes(f.probe))?.row;
    default:
      return 'services';
  }
}

export function describeFact(f: WizardFact): string {
  switch (f.kind) {
    case 'aws-identity':
      return `AWS account ${f.account} (${f.arn})`;
    case 'gcp-project':
      return `GCP project ${f.id}${f.account ? ` as ${f.account}` : ''}`;
    case 'kube-context':
      return `${f.context}${f.platform !== 'other' ? ` (${f.platform.toUpperCase()})` : ''}${f.reachable === false ? ': not reachable' : ''}`;
    case 'rds-instance':
      return `RDS ${f.id}: ${f.endpoint}`;
    case 'cloudsql-instance':
      return `Cloud SQL ${f.name}: ${f.privateIp ?? 'no private IP'}`;
    case 'memorystore-instance':
      return `Memorystore ${f.name}: ${f.host}:${f.port}${f.maxmemoryPolicy ? `, ${f.maxmemoryPolicy}` : ''}`;
    case 'elasticache-group':
      return `ElastiCache ${f.id}: ${f.endpoint}${f.maxmemoryPolicy ? `, ${f.maxmemoryPolicy}` : ''}`;
    case 'capacity':
      return `${f.sizing} ${f.fits ? 'fits' : 'does not fit'}: ${f.detail}`;
    case 'probe-failed':
      return `${f.probe}: ${f.message}`;
  }
}

export function EnvironmentScreen(props: { facts: readonly WizardFact[]; probes: 'running' | 'done' | 'absent'; onContinue: () => void }) {
  useInput((_input, key) => {
    if (key.return) props.onContinue();
  });
  return (
    <Frame section="Environment" keys={`Enter continue${props.probes === 'running' ? ' (probes keep filling defaults)' : ''} · Ctrl-C quit`}>
      <Text bold>What is already there</Text>
      {props.probes === 'absent' ? (
        <Text dimColor>Detection is not wired into this build: you will type what it would have found.</Text>
      ) : (
        ROWS.map(({ row, label }) => {
          const facts = props.facts.filter((f) => rowOf(f) === row);
          const good = facts.filter((f) => f.kind !== 'probe-failed');
          const failed = facts.filter((f) => f.kind === 'probe-failed');
          const running = props.probes === 'running';
          const shown = facts.slice(0, MAX_LINES_PER_ROW);
          return (
            <Box key={row} flexDirection="column">
              <Box>
                {running ? <Text color="cyan"><Spinner type="dots" /></Text> : <Mark status={good.length ? 'pass' : failed.length ? 'fail' : 'skip'} />}
                <Text> {label.padEnd(17)}</Text>
                {!facts.length ? <Text dimColor>{running ? 'looking…' : 'none found'}</Text> : null}
              </Box>
              {shown.map((f, i) => (
                <Text key={i} color={f.kind === 'probe-failed' ? 'red' : undefined}>
                  {'    '}
                  {f.kind === 'probe-failed' ? '✗ ' : ''}
                  {describeFact(f)}
                </Text>
              ))}
              {facts.length > shown.length ? <Text dimColor>    +{facts.length - shown.length} more</Text> : null}
            </Box>
          );
        })
      )}
    </Frame>
  );
}
