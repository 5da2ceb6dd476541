// What happens after saving: choosing install or render, install progress, health, and the last
// screen (installed, rendered, saved only, or failed).
import { useEffect, useState } from 'react';
import { Box, Text, useInput } from 'ink';
import Spinner from 'ink-spinner';
import type { Check } from '../../checks/types.js';
import type { SelectItem } from '../flow.js';
import { Choices, Frame, KEYS, Mark, Title } from './common.js';

export interface StepState {
  step: string;
  title: string;
  status: 'running' | 'done' | 'warn' | 'failed';
  message?: string;
  /** A checking step's checks that did not pass (a preflight warning), listed under its line. */
  notes?: Check[];
}

export interface Failure {
  step: string;
  title?: string;
  resource?: string;
  reason: string;
}

export const LOG_LINES = 5;

export function ActionScreen(props: { saved: string[]; items: SelectItem[]; notes: string[]; onChoose: (value: string) => void }) {
  return (
    <Frame section="Next" keys={KEYS.select}>
      {props.saved.map((f, i) => (
        <Text key={f} wrap="truncate-start">
          <Mark status="pass" /> {i === 0 ? 'saved' : 'wrote'} {f}
        </Text>
      ))}
      {props.notes.map((n) => (
        <Text key={n} dimColor>
          {n}
        </Text>
      ))}
      <Box marginTop={1} flexDirection="column">
        <Title>What now?</Title>
        <Choices items={props.items} onSelect={(i) => props.onChoose(i.value)} />
      </Box>
    </Frame>
  );
}

function useElapsed(start: number, running: boolean): string {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [running]);
  const s = Math.max(0, Math.floor((now - start) / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

export function InstallScreen(props: { target: string; started: number; steps: StepState[]; log: string[]; stopping: boolean; confirmQuit: boolean }) {
  const elapsed = useElapsed(props.started, true);
  return (
    <Frame section={`Installing into ${props.target}`} progress={elapsed} keys={props.confirmQuit ? undefined : 'Ctrl-C stop (asks first)'}>
      {props.steps.map((s) => (
        <Box key={s.step} flexDirection="column">
          <Box>
            {s.status === 'running' ? (
              <Text color="cyan">
                <Spinner type="dots" />
              </Text>
            ) : (
              <Mark status={s.status === 'done' ? 'pass' : s.status === 'warn' ? 'warn' : 'fail'} />
            )}
            <Text wrap="truncate-end">
              {' '}
              {s.title}
              {s.status === 'running' && s.message ? <Text dimColor> · {s.message}</Text> : null}
            </Text>
          </Box>
          {(s.notes ?? []).map((c) => (
            <Box key={c.id} marginLeft={2} flexDirection="column">
              <Text wrap="wrap">
                <Mark status={c.status} /> {c.title}
                {c.detail ? <Text dimColor> · {c.detail}</Text> : null}
              </Text>
              {c.hint ? (
                <Text dimColor wrap="wrap">
                  {'  '}
                  {c.hint}
                </Text>
              ) : null}
            </Box>
          ))}
        </Box>
      ))}
      {props.log.length ? (
        <Box flexDirection="column" marginTop={1}>
          <Text dimColor>helm output (last {LOG_LINES} lines):</Text>
          {props.log.map((l, i) => (
            <Text key={i} dimColor wrap="truncate-end">
              {'  '}
              {l}
            </Text>
          ))}
        </Box>
      ) : null}
      {props.stopping ? <Text color="yellow">Stopping at the next safe point…</Text> : null}
      {props.confirmQuit ? (
        <Box marginTop={1}>
          <Text color="yellow">Stop the install? What is already applied stays; running the same command again resumes. (y/N)</Text>
        </Box>
      ) : null}
    </Frame>
  );
}

export function HealthScreen(props: { checks: Check[]; onContinue: () => void }) {
  useInput((_i, key) => {
    if (key.return) props.onContinue();
  });
  const failed = props.checks.filter((c) => c.status === 'fail').length;
  return (
    <Frame section="Health" keys="Enter continue">
      <Title>{failed ? `${failed} health check${failed > 1 ? 's' : ''} failed` : 'The install is healthy'}</Title>
      {props.checks.map((c) => (
        <Box key={c.id} flexDirection="column">
          <Text wrap="truncate-end">
            <Mark status={c.status} /> {c.title}
            {c.detail ? <Text dimColor> · {c.detail}</Text> : null}
          </Text>
          {c.hint && (c.status === 'fail' || c.status === 'warn') ? <Text dimColor>{'    '}{c.hint}</Text> : null}
        </Box>
      ))}
    </Frame>
  );
}

export function FinalScreen(props: { title: string; status: 'pass' | 'warn' | 'fail'; lines: [string, string][]; steps: string[]; replay: string }) {
  return (
    <Frame section="Done">
      <Text bold>
        <Mark status={props.status} /> {props.title}
      </Text>
      {props.lines.length ? (
        <Box flexDirection="column" marginTop={1}>
          {props.lines.map(([k, v]) => (
            <Box key={k + v}>
              <Box width={10} flexShrink={0}>
                <Text bold>{k}</Text>
              </Box>
              <Text>{v}</Text>
            </Box>
          ))}
        </Box>
      ) : null}
      {props.steps.length ? (
        <Box flexDirection="column" marginTop={1}>
          <Text bold>Next steps</Text>
          {props.steps.map((s, i) => (
            <Text key={s}>
              {i + 1}. {s}
            </Text>
          ))}
        </Box>
      ) : null}
      <Box flexDirection="column" marginTop={1}>
        <Text bold>Replay this install anywhere</Text>
        <Text color="cyan">  {props.replay}</Text>
      </Box>
    </Frame>
  );
}
