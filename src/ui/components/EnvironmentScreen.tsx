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

type Platform = Extract<WizardFact, { kind: 'kube-context' }>['platform'];

/** The platform each cloud's probes serve: their findings matter only on that platform. */
const CLOUD_OF: Partial<Record<ProbeName, { platform: Platform; name: string }>> = {
  aws: { platform: 'eks', name: 'AWS' },
  rds: { platform: 'eks', name: 'AWS' },
  elasticache: { platform: 'eks', name: 'AWS' },
  gcp: { platform: 'gke', name: 'GCP' },
  cloudsql: { platform: 'gke', name: 'GCP' },
  memorystore: { platform: 'gke', name: 'GCP' },
};

const PLATFORM_LABEL: Record<Platform, string> = { gke: 'GKE', eks: 'EKS', other: 'a cluster outside GKE and EKS' };

/**
 * How a failed probe is shown: a red failure only when it matters for this cluster. A cloud that
 * is not the cluster's platform is not needed; a cloud with nothing set up, while the platform is
 * not known yet, is neutral (the platform question comes next).
 */
export function failureView(f: Extract<WizardFact, { kind: 'probe-failed' }>, platform: Platform | undefined): { status: 'fail' | 'skip'; text: string; fix?: string } {
  const cloud = CLOUD_OF[f.probe];
  if (cloud && platform && cloud.platform !== platform) return { status: 'skip', text: `${f.probe}: not needed on ${PLATFORM_LABEL[platform]}` };
  if (cloud && !platform && f.missing) return { status: 'skip', text: `${f.probe}: ${f.message} (needed on ${PLATFORM_LABEL[cloud.platform]})`, fix: f.fix };
  return { status: 'fail', text: `${f.probe}: ${f.message}`, fix: f.fix };
}

/** A line under a row, indented; text that wraps keeps the indent (Ink wraps inside the box). */
function FactLine(props: { status?: 'fail' | 'skip'; text: string; fix?: string }) {
  return (
    <Box paddingLeft={4}>
      {props.status ? (
        <Box width={2} flexShrink={0}>
          <Mark status={props.status} />
        </Box>
      ) : null}
      <Box flexDirection="column" flexShrink={1}>
        <Text color={props.status === 'fail' ? 'red' : undefined} dimColor={props.status === 'skip'}>
          {props.text}
        </Text>
        {props.fix ? <Text dimColor>{`fix: ${props.fix}`}</Text> : null}
      </Box>
    </Box>
  );
}

export function EnvironmentScreen(props: { facts: readonly WizardFact[]; probes: 'running' | 'done' | 'absent'; onContinue: () => void }) {
  useInput((_input, key) => {
    if (key.return) props.onContinue();
  });
  // The platform of the cluster in use, once the context probe knows it.
  const platform = props.facts.filter((f): f is Extract<WizardFact, { kind: 'kube-context' }> => f.kind === 'kube-context').at(-1)?.platform;
  return (
    <Frame section="Environment" keys={`Enter continue${props.probes === 'running' ? ' (probes keep filling defaults)' : ''} · Ctrl-C quit`}>
      <Text bold>What is already there</Text>
      {props.probes === 'absent' ? (
        <Text dimColor>Detection is not wired into this build: you will type what it would have found.</Text>
      ) : (
        ROWS.map(({ row, label }) => {
          const facts = props.facts.filter((f) => rowOf(f) === row);
          const views = facts.map((f) => (f.kind === 'probe-failed' ? failureView(f, platform) : { status: undefined, text: describeFact(f) }));
          const good = views.some((v) => v.status === undefined);
          const failed = views.some((v) => v.status === 'fail');
          const running = props.probes === 'running';
          const shown = views.slice(0, MAX_LINES_PER_ROW);
          return (
            <Box key={row} flexDirection="column">
              <Box>
                {running ? <Text color="cyan"><Spinner type="dots" /></Text> : <Mark status={good ? 'pass' : failed ? 'fail' : 'skip'} />}
                <Text> {label.padEnd(17)}</Text>
                {!facts.length ? <Text dimColor>{running ? 'looking…' : 'none found'}</Text> : null}
              </Box>
              {shown.map((v, i) => (
                <FactLine key={i} {...v} />
              ))}
              {views.length > shown.length ? <Text dimColor>    +{views.length - shown.length} more</Text> : null}
            </Box>
          );
        })
      )}
    </Frame>
  );
}
