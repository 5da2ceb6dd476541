// The first screen: what the probes found, row by row, as they find it. Enter moves on at any
// time; facts that arrive later still feed the defaults of questions not yet reached.
import { Box, Text, useInput } from 'ink';
import Spinner from 'ink-spinner';
import { PLATFORMS, platformById } from '../../platforms/index.js';
import { cloudOfProbeName } from '../../probes/clouds.js';
import type { WizardFact } from '../ports.js';
import { Frame, KEYS, Mark } from './common.js';

type Row = 'identity' | 'kubernetes' | 'services' | 'capacity';

const ROWS: { row: Row; label: string }[] = [
  { row: 'identity', label: 'Cloud identity' },
  { row: 'kubernetes', label: 'Kubernetes' },
  { row: 'services', label: 'MySQL and Redis' },
  { row: 'capacity', label: 'Cluster capacity' },
];

const MAX_LINES_PER_ROW = 3;

/** A cloud finding's row and line, in the words of the platform whose kind it is. */
function findingLine(f: WizardFact): { about: 'identity' | 'services'; text: string } | undefined {
  for (const p of PLATFORMS) {
    const line = p.wizard?.findingLines[f.kind];
    if (line) return { about: line.about, text: line.text(f) };
  }
  return undefined;
}

function rowOf(f: WizardFact): Row | undefined {
  switch (f.kind) {
    case 'kube-context':
      return 'kubernetes';
    case 'capacity':
      return 'capacity';
    case 'probe-failed': {
      // A cloud's credentials and account probes on the identity row, its managed MySQL and Redis probes on the services row.
      const cloud = cloudOfProbeName(f.probe);
      return cloud ? (cloud.middleware ? 'services' : 'identity') : ROWS.find((r) => r.row === f.probe)?.row;
    }
    default:
      return findingLine(f)?.about;
  }
}

export function describeFact(f: WizardFact): string {
  switch (f.kind) {
    case 'kube-context':
      return `${f.context}${f.platform !== 'other' ? ` (${clusterLabel(f.platform)})` : ''}${f.reachable === false ? ': not reachable' : ''}`;
    case 'capacity':
      return `${f.sizing} ${f.fits ? 'fits' : 'does not fit'}: ${f.detail}`;
    case 'probe-failed':
      return `${f.probe}: ${f.message}`;
    default:
      return findingLine(f)?.text ?? f.kind;
  }
}

/** The managed Kubernetes of a platform as users name it ("gke" -> "GKE"). */
const clusterLabel = (kind: string) => kind.toUpperCase();

/** How the screen names the cluster's platform: its managed Kubernetes, or what it is not. */
function platformLabel(cluster: string): string {
  if (cluster !== 'other') return clusterLabel(cluster);
  const managed = PLATFORMS.flatMap((p) => (p.clusterKind ? [clusterLabel(p.clusterKind)] : []));
  return `a cluster outside ${managed.slice(0, -1).join(', ')}${managed.length > 1 ? ' and ' : ''}${managed.at(-1)}`;
}

/**
 * How a failed probe is shown: a red failure only when it matters for this cluster. A cloud that
 * is not the cluster's platform is not needed; a cloud with nothing set up, while the platform is
 * not known yet, is neutral (the platform question comes next).
 */
export function failureView(f: Extract<WizardFact, { kind: 'probe-failed' }>, cluster: string | undefined): { status: 'fail' | 'skip'; text: string; fix?: string } {
  const cloud = cloudOfProbeName(f.probe);
  const needs = cloud && platformById(cloud.platform).clusterKind;
  if (needs && cluster && needs !== cluster) return { status: 'skip', text: `${f.probe}: not needed on ${platformLabel(cluster)}` };
  if (needs && !cluster && f.missing) return { status: 'skip', text: `${f.probe}: ${f.message} (needed on ${clusterLabel(needs)})`, fix: f.fix };
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
  // The managed Kubernetes of the cluster in use ("other" for any other), once the context probe knows it.
  const cluster = props.facts.filter((f): f is Extract<WizardFact, { kind: 'kube-context' }> => f.kind === 'kube-context').at(-1)?.platform;
  return (
    <Frame section="Environment" keys={`Enter continue${props.probes === 'running' ? ' (probes keep filling defaults)' : ''} · Ctrl-C quit`}>
      <Text bold>What is already there</Text>
      {props.probes === 'absent' ? (
        <Text dimColor>Detection is not wired into this build: you will type what it would have found.</Text>
      ) : (
        ROWS.map(({ row, label }) => {
          const facts = props.facts.filter((f) => rowOf(f) === row);
          const views = facts.map((f) => (f.kind === 'probe-failed' ? failureView(f, cluster) : { status: undefined, text: describeFact(f) }));
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
