// Review (summary, warnings), the masked chart values, and saving the answers file.
import { useState } from 'react';
import { Box, Text, useInput, useStdout } from 'ink';
import { TextInput } from './TextInput.js';
import type { Answers } from '../../answers/schema.js';
import type { SelectItem } from '../flow.js';
import { Choices, Frame, KEYS, Title } from './common.js';

export function ReviewScreen(props: { answers?: Answers; rows: [string, string][]; warnings: string[]; problems: string[]; onChoose: (what: 'save' | 'values') => void }) {
  const items: SelectItem[] = props.answers
    ? [
        { label: 'Save the answers file', value: 'save' },
        { label: 'View the chart values (secrets masked)', value: 'values' },
      ]
    : [];
  return (
    <Frame section="Review" keys={props.answers ? KEYS.select : 'Esc back · Ctrl-C quit'}>
      {props.rows.map(([k, v]) => (
        <Text key={k} wrap="truncate-end">
          <Text bold>{k.padEnd(10)}</Text> {v}
        </Text>
      ))}
      {props.problems.map((p) => (
        <Text key={p} color="red">
          ✗ {p}
        </Text>
      ))}
      {props.warnings.map((w) => (
        <Text key={w} color="yellow">
          ! {w}
        </Text>
      ))}
      <Box marginTop={1} flexDirection="column">
        <Choices items={items} onSelect={(i) => props.onChoose(i.value as 'save' | 'values')} />
      </Box>
    </Frame>
  );
}

export function ValuesScreen(props: { lines: string[]; error?: string; onClose: () => void }) {
  const { stdout } = useStdout();
  const height = Math.max(5, (stdout.rows || 24) - 8);
  const [top, setTop] = useState(0);
  const maxTop = Math.max(0, props.lines.length - height);
  useInput((_input, key) => {
    if (key.downArrow) setTop((t) => Math.min(maxTop, t + 1));
    if (key.upArrow) setTop((t) => Math.max(0, t - 1));
    if (key.pageDown || _input === ' ') setTop((t) => Math.min(maxTop, t + height));
    if (key.pageUp) setTop((t) => Math.max(0, t - height));
    if (key.return) props.onClose();
  });
  return (
    <Frame section="Chart values" progress={props.lines.length ? `lines ${top + 1}-${Math.min(props.lines.length, top + height)} of ${props.lines.length}` : undefined} keys="↑↓ PgUp PgDn scroll · Enter or Esc back">
      {props.error ? <Text color="red">✗ {props.error}</Text> : null}
      {props.lines.slice(top, top + height).map((l, i) => (
        <Text key={top + i} wrap="truncate-end">
          {l}
        </Text>
      ))}
    </Frame>
  );
}

export function SaveScreen(props: { initial: string; validate: (path: string) => string | undefined; exists: (path: string) => boolean; onSave: (path: string) => string | undefined }) {
  const [value, setValue] = useState(props.initial);
  const [error, setError] = useState<string | undefined>();
  const [confirmOverwrite, setConfirmOverwrite] = useState<string | undefined>();
  return (
    <Frame section="Save" keys={KEYS.text}>
      <Title>Where should the answers file go?</Title>
      <Text dimColor>It replays this install anywhere; secrets appear in it only as references.</Text>
      <Box marginTop={1}>
        <Text color="cyan">› </Text>
        <TextInput
          value={value}
          onChange={(v) => {
            setValue(v);
            setError(undefined);
            setConfirmOverwrite(undefined);
          }}
          onSubmit={(v) => {
            const path = v.trim();
            const problem = props.validate(path);
            if (problem) return setError(problem);
            if (props.exists(path) && confirmOverwrite !== path) return setConfirmOverwrite(path);
            const failure = props.onSave(path);
            if (failure) setError(failure);
          }}
        />
      </Box>
      {confirmOverwrite ? <Text color="yellow">! {confirmOverwrite} exists: Enter again to overwrite it</Text> : null}
      {error ? <Text color="red">✗ {error}</Text> : null}
    </Frame>
  );
}
